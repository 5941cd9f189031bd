export default {
  displayName: 'web',
  preset: '../../jest.preset.js',
  testEnvironment: 'jsdom',
  // marked ships only ES modules: swc compiles it to CommonJS like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(marked)/)'],
};
