export default {
  displayName: 'web-e2e',
  preset: '../../jest.preset.js',
  // Each suite runs the whole stack of `npm start` and a Chromium: one suite at a time on CI's
  // 2 cores.
  maxWorkers: 1,
};
