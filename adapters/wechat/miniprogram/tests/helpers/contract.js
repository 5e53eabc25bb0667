// The hub's own description of /mp/v1 (tests/contract/mp-openapi.json, a copy of the OpenAPI
// document that a hub test keeps equal to what the hub serves), and a check of an answer
// against it: a fake answer the hub would never send (a field it does not have, a missing
// one, a wrong type, an error body of another shape) is a contract violation.
const path = require('path');
const fs = require('fs');

const DOC = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'contract', 'mp-openapi.json'), 'utf8'));
const SCHEMAS = DOC.components.schemas;

const OPERATIONS = Object.keys(DOC.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  methods: DOC.paths[template],
}));

function operation(method, pathname) {
  const found = OPERATIONS.find((op) => op.pattern.test(pathname));
  return found ? found.methods[method.toLowerCase()] || null : null;
}

function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function resolve(schema) {
  return schema.$ref ? SCHEMAS[schema.$ref.split('/').pop()] : schema;
}

// Problems with `value` under `schema`, as "where: what" strings; none when it fits.
function problems(schema, value, where = 'body') {
  const s = resolve(schema);
  if (s.anyOf) {
    const each = s.anyOf.map((option) => problems(option, value, where));
    return each.some((p) => p.length === 0) ? [] : [`${where}: fits none of ${s.anyOf.length} shapes (${each.map((p) => p[0]).join('; ')})`];
  }
  if (s.const !== undefined && value !== s.const) return [`${where}: must be ${JSON.stringify(s.const)}`];
  if (s.enum && !s.enum.includes(value)) return [`${where}: must be one of ${s.enum.join(', ')}`];
  if (s.type) {
    const actual = typeOf(value);
    const ok = s.type === actual || (s.type === 'number' && actual === 'integer');
    if (!ok) return [`${where}: is ${actual}, the hub sends ${s.type}`];
  }
  if (s.type === 'array' && s.items) {
    return value.flatMap((item, i) => problems(s.items, item, `${where}[${i}]`));
  }
  if (s.type === 'object') {
    const found = [];
    const props = s.properties || {};
    (s.required || []).forEach((name) => {
      if (!(name in value)) found.push(`${where}.${name}: missing (the hub always sends it)`);
    });
    Object.keys(value).forEach((name) => {
      if (name in props) found.push(...problems(props[name], value[name], `${where}.${name}`));
      else if (typeof s.additionalProperties === 'object') found.push(...problems(s.additionalProperties, value[name], `${where}.${name}`));
      // An Error may carry a refusal's details (a quiz's score and pass mark, say).
      else if (!s.additionalProperties && s !== SCHEMAS.Error) found.push(`${where}.${name}: the hub never sends this field`);
    });
    return found;
  }
  return [];
}

// Problems with an answer (status, body) to METHOD pathname; a path the hub has not is one.
function checkAnswer(method, pathname, status, body) {
  const op = operation(method, pathname);
  if (!op) return [`${method} ${pathname}: no such /mp/v1 operation`];
  // A 5xx may come from a gateway in front of the hub: only a JSON one must be the hub's.
  if (status >= 500) {
    return body && typeof body === 'object' ? problems(SCHEMAS.Error, body).map((p) => `${method} ${pathname} ${status}: ${p}`) : [];
  }
  const response = op.responses[String(status)];
  if (!response) return [`${method} ${pathname}: the hub never answers ${status}`];
  const content = response.content && response.content['application/json'];
  if (!content) return [];
  return problems(content.schema, body).map((p) => `${method} ${pathname} ${status}: ${p}`);
}

module.exports = { checkAnswer, problems, SCHEMAS };
