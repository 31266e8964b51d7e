/**
 * Constants set when the single file and dist/app/ are built (scripts/bundle.mjs, esbuild's `define`); unset under tsc/tsx.
 * esbuild folds them, so code behind `IS_BUNDLE ? … : …` is left out of the bundle altogether.
 */
declare const __SYNAPSE_UPGRADE_BUNDLE__: boolean | undefined;

/** True in the bundles (the single file, dist/app/): scripts/bundle.mjs defines `__SYNAPSE_UPGRADE_BUNDLE__` as `true`. */
export const IS_BUNDLE: boolean = typeof __SYNAPSE_UPGRADE_BUNDLE__ === 'boolean' && __SYNAPSE_UPGRADE_BUNDLE__;

declare const __SYNAPSE_UPGRADE_SUPERVISOR__: string | undefined;

/**
 * The file the runner starts supervisors from, when the build has one of its own: dist/app/supervise.mjs (given
 * relative to the chunk the runner is in, which lies beside it), or an absolute path (the benchmark's harness).
 * Undefined in the single file (its supervisor is itself) and under tsc/tsx (bin/'s).
 */
export const SUPERVISOR_FILE: string | undefined = typeof __SYNAPSE_UPGRADE_SUPERVISOR__ === 'string' ? __SYNAPSE_UPGRADE_SUPERVISOR__ : undefined;
