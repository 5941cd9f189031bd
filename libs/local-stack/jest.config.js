export default {
  displayName: 'local-stack',
  preset: '../../jest.preset.js',
  // An embedded server left open by a failed test must not keep CI waiting for ever.
  forceExit: true,
};
