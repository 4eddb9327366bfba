// Drive the real npm package frappe-js-sdk against a running KuaiCRM server.
//
// Usage: node frappe_sdk_client.mjs '<json config>'
//   config: {url, username, password, key, secret, parent, created, deleted}
// Prints ONE JSON object: each step's result, or {error: {...}} for a step that failed.
// Node has no cookie jar, so only the login call uses the session; the rest uses a token.

import sdk from 'frappe-js-sdk';

const { FrappeApp } = sdk;
const config = JSON.parse(process.argv[2]);
const results = {};

// Keep what the SDK's FrappeError carries that a test can assert on.
function shapeError(error) {
  return {
    httpStatus: error?.httpStatus,
    exception: error?.exception,
    exc_type: error?.exc_type,
    message: error?.message,
  };
}

async function step(name, run) {
  try {
    results[name] = { ok: await run() };
  } catch (error) {
    results[name] = { error: shapeError(error) };
  }
}

const guest = new FrappeApp(config.url);
await step('login', () =>
  guest.auth().loginWithUsernamePassword({ username: config.username, password: config.password }),
);
await step('login_bad_password', () =>
  guest.auth().loginWithUsernamePassword({ username: config.username, password: 'wrong-password' }),
);

const app = new FrappeApp(config.url, {
  useToken: true,
  token: () => `${config.key}:${config.secret}`,
  type: 'token',
});
const db = app.db();
const call = app.call();

await step('logged_user', () => app.auth().getLoggedInUser());
await step('call_get_logged_user', () => call.get('frappe.auth.get_logged_user'));
await step('create', () =>
  db.createDoc('Department', { department_name: config.created, parent_department: config.parent, region: 'East' }),
);
await step('create_doomed', () =>
  db.createDoc('Department', { department_name: config.deleted, parent_department: config.parent }),
);
await step('create_invalid', () => db.createDoc('Department', { region: 'no name' }));
await step('get', () => db.getDoc('Department', config.created));
await step('update', () => db.updateDoc('Department', config.created, { region: 'North' }));
// Delete before reading lists, so lists and counts match the final database.
await step('delete', () => db.deleteDoc('Department', config.deleted));
await step('get_deleted', () => db.getDoc('Department', config.deleted));
await step('list', () =>
  db.getDocList('Department', {
    fields: ['name', 'region', 'parent_department'],
    filters: [['parent_department', '=', config.parent]],
    orderBy: { field: 'name', order: 'desc' },
    limit: 10,
  }),
);
await step('list_limited', () =>
  db.getDocList('Department', { fields: ['name'], orderBy: { field: 'name', order: 'asc' }, limit: 2 }),
);
await step('list_as_list', () =>
  db.getDocList('Department', {
    fields: ['name', 'region'],
    filters: [['name', '=', config.created]],
    asDict: false,
  }),
);
await step('last_doc', () => db.getLastDoc('Department'));
await step('count_all', () => db.getCount('Department'));
await step('count_filtered', () => db.getCount('Department', [['parent_department', '=', config.parent]]));
await step('get_value', () =>
  call.get('frappe.client.get_value', {
    doctype: 'Department',
    fieldname: 'region',
    filters: { name: config.created },
  }),
);
await step('post_get_value', () =>
  call.post('frappe.client.get_value', {
    doctype: 'Department',
    fieldname: ['region', 'parent_department'],
    filters: [['name', '=', config.created]],
  }),
);
await step('db_get_value', () =>
  db.getValue('Department', ['region'], [['name', '=', config.created]]),
);

const badToken = new FrappeApp(config.url, { useToken: true, token: () => 'nope:nope', type: 'token' });
await step('bad_token', () => badToken.db().getDocList('Department'));

process.stdout.write(JSON.stringify(results) + '\n');
