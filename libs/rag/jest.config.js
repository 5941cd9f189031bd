export default {
  displayName: 'rag',
  preset: '../../jest.preset.js',
};
