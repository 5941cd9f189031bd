export default {
  displayName: 'chat-api',
  preset: '../../jest.preset.js',
};
