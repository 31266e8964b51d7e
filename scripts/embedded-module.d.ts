// The virtual module scripts/bundle.mjs generates: steps/ and the stand-in sources as text.
declare module 'synapse-upgrade:embedded' {
  import type { EmbeddedFiles } from '../src/system/embedded.js';
  const files: Required<EmbeddedFiles>;
  export default files;
}
