/** Files baked into the single-file bundle (relative path → text), keyed by what they are. */
export interface EmbeddedFiles {
  /** The package's steps/ folder. */
  steps?: Record<string, string>;
  /** test/fixtures/standin-synapse: the stand-in Synapse sources the --demo mode builds wheels from. */
  standin?: Record<string, string>;
}

let files: EmbeddedFiles = {};

/** Called once by the bundle's entry (scripts/bundle-entry.ts) before the CLI starts; the tsc build never calls it. */
export function setEmbeddedFiles(embedded: EmbeddedFiles): void {
  files = embedded;
}

/** The embedded files, empty outside the bundle: callers then read the package's folders from disk. */
export function embeddedFiles(): EmbeddedFiles {
  return files;
}
