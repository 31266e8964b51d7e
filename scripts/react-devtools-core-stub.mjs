// Stands in for react-devtools-core in the single-file bundle. Ink only connects to the devtools
// when DEV=true, but esbuild hoists its lazy import to the top level, so the name must resolve.
export default { initialize() {}, connectToDevTools() {} };
