export default {
  displayName: 'doc-ingestor',
  preset: '../../jest.preset.js',
};
