export default {
  displayName: 'server-kit',
  preset: '../../jest.preset.js',
};
