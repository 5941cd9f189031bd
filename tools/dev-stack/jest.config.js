export default {
  displayName: 'dev-stack',
  preset: '../../jest.preset.js',
};
