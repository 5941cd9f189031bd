export default {
  displayName: 'bedrock',
  preset: '../../jest.preset.js',
};
