export default {
  displayName: 'ws-gateway',
  preset: '../../jest.preset.js',
};
