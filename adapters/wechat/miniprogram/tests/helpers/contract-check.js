// After each test: every fake answer the test gave to a /mp/v1 request fitted the hub's
// description of that answer (tests/helpers/contract.js).
afterEach(() => {
  const violations = global.__contractViolations || [];
  global.__contractViolations = [];
  expect(violations).toEqual([]);
});
