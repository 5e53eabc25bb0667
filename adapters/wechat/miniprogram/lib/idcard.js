// Checks the shape of a mainland resident ID number (GB 11643-1999) before it is sent, so a
// typo is caught on the phone. Whether the number is on a roll is only the hub's to say.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

function normalise(value) {
  return String(value || '').trim().toUpperCase();
}

function isValidIdNumber(value) {
  const id = normalise(value);
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  return CHECK_CHARS[sum % 11] === id[17];
}

// The form's message for its fields, or '' when both look right.
function verificationFormError(name, idNumber) {
  if (!String(name || '').trim()) return '请填写姓名';
  if (!isValidIdNumber(idNumber)) return '请填写正确的18位身份证号';
  return '';
}

module.exports = { normalise, isValidIdNumber, verificationFormError };
