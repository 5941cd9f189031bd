export default {
  displayName: 'eval',
  preset: '../../jest.preset.js',
};
