// The ID number check done on the phone before anything is sent.
const { isValidIdNumber, normalise, verificationFormError } = require('../../lib/idcard');

test('a well-formed number with the right check digit passes', () => {
  expect(isValidIdNumber('441900199003151238')).toBe(true);
  expect(isValidIdNumber('11010519491231002X')).toBe(true);
  expect(isValidIdNumber('11010519491231002x')).toBe(true); // lower-case x is typed often
});

test('a wrong check digit, length or character fails', () => {
  expect(isValidIdNumber('441900199003151239')).toBe(false);
  expect(isValidIdNumber('44190019900315123')).toBe(false);
  expect(isValidIdNumber('4419001990031512381')).toBe(false);
  expect(isValidIdNumber('44190019900315123A')).toBe(false);
  expect(isValidIdNumber('')).toBe(false);
});

test('the form names what is missing, in Chinese', () => {
  expect(normalise(' 11010519491231002x ')).toBe('11010519491231002X');
  expect(verificationFormError('', '441900199003151238')).toBe('请填写姓名');
  expect(verificationFormError('陈建华', '123')).toBe('请填写正确的18位身份证号');
  expect(verificationFormError('陈建华', '441900199003151238')).toBe('');
});
