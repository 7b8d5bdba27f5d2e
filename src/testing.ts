/**
 * `rampart/testing`: a test Layer of Rampart's domain services (fresh in-memory SQLite store,
 * cheap hashing, sandbox mode, time from `Clock`) and the kit's helpers for a consumer's tests.
 */
export {
  layerTest,
  NoCodeSent,
  NoTotpSecret,
  type TestOptions,
  TestOutbox,
  testPasswordCost,
  TestTotp,
  type TestUser,
  TestUsers
} from "./Testing/TestKit.js"
