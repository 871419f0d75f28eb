/**
 * @accessledger/core/testing: the conformance suite every connector runs, and
 * the checks it is made of. Test-only: never import it from product code.
 */
export { describeConnectorConformance, type ConformanceOptions } from './conformance.js';
export {
  checkAbort,
  checkGrantRoundTrip,
  checkManifest,
  checkSyncConsistency,
  collectSync,
  type CollectedSync,
  type GrantFixture,
  type Violation,
} from './checks.js';
