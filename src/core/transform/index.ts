/** Connection transforms: JavaScript run in a QuickJS (WebAssembly) sandbox. */
export {
  createTransformSandbox,
  TRANSFORM_DEFAULTS,
  type TransformSandbox,
  type TransformSandboxOptions,
} from './transform-sandbox.js';
export type { TransformedRequest, TransformOutcome } from './transform-output.js';
