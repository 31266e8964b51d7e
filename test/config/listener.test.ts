import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeConfigFiles } from '../../src/config/homeserver-config.js';
import { clientListenerUrl, dialHost } from '../../src/config/listener.js';
import { parseYamlText } from '../../src/config/yaml-file.js';

const config = (text: string) => mergeConfigFiles(['/hs.yaml'], [parseYamlText('/hs.yaml', text)]);

test('wildcard and IPv6 binds become the matching loopback', () => {
  assert.equal(dialHost('0.0.0.0'), '127.0.0.1');
  assert.equal(dialHost('::'), '[::1]');
  assert.equal(dialHost('::1'), '[::1]');
  assert.equal(dialHost('10.1.2.3'), '10.1.2.3');
});

test('the first http listener with the client resource is chosen, with its line', () => {
  const choice = clientListenerUrl(
    config(`server_name: example.org
listeners:
  - port: 9000
    type: metrics
  - port: 8448
    type: http
    resources:
      - names: [federation]
  - port: 8118
    type: http
    tls: true
    bind_addresses: ['::1', '127.0.0.1']
    resources:
      - names: [client, federation]
`),
  );
  assert.equal(choice?.url, 'https://127.0.0.1:8118');
  assert.equal(choice?.line, 9);
});

test('an IPv6-only wildcard bind dials [::1]; a default bind dials IPv4 loopback', () => {
  const v6 = `listeners:\n  - port: 8008\n    bind_addresses: ['::']\n    resources: [{names: [client]}]\n`;
  assert.equal(clientListenerUrl(config(v6))?.url, 'http://[::1]:8008');
  const none = `listeners:\n  - port: 8008\n    resources: [{names: [client]}]\n`;
  assert.equal(clientListenerUrl(config(none))?.url, 'http://127.0.0.1:8008');
});

test('no client listener gives nothing', () => {
  assert.equal(clientListenerUrl(config(`listeners:\n  - port: 8448\n    resources: [{names: [federation]}]\n`)), undefined);
  assert.equal(clientListenerUrl(config(`server_name: x\n`)), undefined);
});
