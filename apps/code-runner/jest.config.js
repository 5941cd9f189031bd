export default {
  displayName: 'code-runner',
  preset: '../../jest.preset.js',
};
