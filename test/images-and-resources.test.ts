import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { CanaryMatch, CanaryRelease, StatelessWebApp, StatelessWebAppProps } from '../src';
import { newChart, only, synth } from './support/synth';

// every app image is pinned and well-formed; resources are checked before use.

const IMAGE = 'ghcr.io/acme/web:1.4.2';
const DIGEST = 'sha256:' + 'a'.repeat(64);

/** The message a bad image gets, for a construct `kind` at `path`. */
const imageCases: Array<[string, string, string]> = [
  ['latest', 'ghcr.io/acme/web:latest', '\'image\' must be pinned to a version tag or a digest, not "latest" (it changes under running pods), got "ghcr.io/acme/web:latest". Use the version, e.g. "ghcr.io/acme/web:1.4.2", or a digest "@sha256:...".'],
  ['untagged', 'ghcr.io/acme/web', '\'image\' must be pinned to a version tag or a digest (an image without a tag means "latest"), got "ghcr.io/acme/web". Add the version, e.g. "ghcr.io/acme/web:1.4.2", or a digest "@sha256:...".'],
  ['untagged with a registry port', 'registry.local:5000/web', '\'image\' must be pinned to a version tag or a digest (an image without a tag means "latest"), got "registry.local:5000/web". Add the version, e.g. "registry.local:5000/web:1.4.2", or a digest "@sha256:...".'],
  ['empty tag', 'ghcr.io/acme/web:', '\'image\' has an empty tag (nothing after ":"), got "ghcr.io/acme/web:". Write the version after ":", e.g. "ghcr.io/acme/web:1.4.2", or pin a digest.'],
  ['upper-case repository', 'ghcr.io/Acme/Web:1.4.2', '\'image\' must have a lower-case repository name (registries refuse upper case), got "ghcr.io/Acme/Web:1.4.2". Use "ghcr.io/acme/web:1.4.2".'],
  ['https:// prefix', 'https://ghcr.io/acme/web:1.4.2', '\'image\' must be an image reference, not a URL (no "https://"), got "https://ghcr.io/acme/web:1.4.2". Use "ghcr.io/acme/web:1.4.2".'],
  ['white space', 'ghcr.io/acme/web :1.4.2', '\'image\' must not contain white space or line breaks, got "ghcr.io/acme/web :1.4.2". Pass a single image reference, e.g. "ghcr.io/acme/web:1.4.2".'],
  ['a newline', 'ghcr.io/acme/web:1.4.2\n', '\'image\' must not contain white space or line breaks, got "ghcr.io/acme/web:1.4.2\\n". Pass a single image reference, e.g. "ghcr.io/acme/web:1.4.2".'],
  ['empty', '', '\'image\' must not be empty, got "". Pass a container image pinned to a tag or digest, e.g. "ghcr.io/acme/web:1.4.2".'],
  [
    'a tag with a bad character',
    'ghcr.io/acme/web:1.4+2',
    '\'image\' must be an image reference: [registry/]repository[:tag][@digest], repository components of lower-case letters and digits separated by ".", "_", "__" or "-", a tag of at most 128 letters, digits, "_", "." or "-", got "ghcr.io/acme/web:1.4+2". Use e.g. "ghcr.io/acme/web:1.4.2".',
  ],
  [
    'a short digest',
    'ghcr.io/acme/web@sha256:abc',
    '\'image\' must be an image reference: [registry/]repository[:tag][@digest], repository components of lower-case letters and digits separated by ".", "_", "__" or "-", a tag of at most 128 letters, digits, "_", "." or "-", got "ghcr.io/acme/web@sha256:abc". Use e.g. "ghcr.io/acme/web:1.4.2".',
  ],
  [
    'a repository component ending in "-"',
    'ghcr.io/acme/web-:1.4.2',
    '\'image\' must be an image reference: [registry/]repository[:tag][@digest], repository components of lower-case letters and digits separated by ".", "_", "__" or "-", a tag of at most 128 letters, digits, "_", "." or "-", got "ghcr.io/acme/web-:1.4.2". Use e.g. "ghcr.io/acme/web:1.4.2".',
  ],
];

const goodImages = [
  'ghcr.io/acme/web:1.4.2',
  `ghcr.io/acme/web@${DIGEST}`,
  `ghcr.io/acme/web:latest@${DIGEST}`, // the digest pins it
  'registry.local:5000/team/web_app__v2:2024.01-rc1',
  'localhost/web:1',
  'Registry.Example.COM/acme/web:1.0', // the registry host may be upper case; the repository may not
  'nginx:1.27.3',
];

describe('StatelessWebApp image rule', () => {
  test.each(imageCases)('%s', (_name, image, message) => {
    expect(() => new StatelessWebApp(newChart(), 'web', { name: 'web', image })).toThrow(`StatelessWebApp 'test/web': ${message}`);
  });

  test.each(goodImages)('accepts %s', (image) => {
    const chart = newChart();
    new StatelessWebApp(chart, 'web', { name: 'web', image });
    expect(only(synth(chart), 'Deployment').spec.template.spec.containers[0].image).toBe(image);
  });
});

describe('CanaryRelease image rule', () => {
  test.each(imageCases)('%s', (_name, image, message) => {
    const chart = newChart();
    const stable = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, host: 'shop.example.com' });
    expect(() => new CanaryRelease(chart, 'canary', { stable, image, match: [CanaryMatch.weight(10)] })).toThrow(`CanaryRelease 'test/canary': ${message}`);
  });

  test(`accepts a digest: @${DIGEST.slice(0, 12)}...`, () => {
    const chart = newChart();
    const stable = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, host: 'shop.example.com' });
    const canary = new CanaryRelease(chart, 'canary', { stable, image: `ghcr.io/acme/web@${DIGEST}`, match: [CanaryMatch.weight(10)] });
    expect(only(synth(chart), 'Deployment', canary.name).spec.template.spec.containers[0].image).toBe(`ghcr.io/acme/web@${DIGEST}`);
  });
});

describe('resources', () => {
  const build = (resources: unknown) => {
    const chart = newChart();
    new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, resources } as StatelessWebAppProps);
    return only(synth(chart), 'Deployment').spec.template.spec.containers[0].resources;
  };

  test('a CPU request alone keeps the default CPU limit and memory', () => {
    expect(build({ cpu: { request: kplus.Cpu.millis(250) } })).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1024Mi' } });
  });

  test('a memory limit alone keeps the default memory request and CPU', () => {
    expect(build({ memory: { limit: Size.gibibytes(2) } })).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '2048Mi' } });
  });

  const bad: Array<[string, unknown, string]> = [
    [
      'a CPU request above the default limit, no limit given',
      { cpu: { request: kplus.Cpu.units(2) } },
      'StatelessWebApp \'test/web\': \'resources.cpu\' must not request more than its limit (the limit you left out is the default, 1000m) (the API server rejects the pod), got "request 2 > limit 1000m". Set a limit at least the request, or lower the request.',
    ],
    [
      'a memory request above the default limit, no limit given',
      { memory: { request: Size.gibibytes(4) } },
      'StatelessWebApp \'test/web\': \'resources.memory\' must not request more than its limit (the limit you left out is the default, 1024Mi) (the API server rejects the pod), got "request 4096Mi > limit 1024Mi". Set a limit at least the request, or lower the request.',
    ],
    [
      'plain-JS strings for CPU',
      { cpu: { request: '500m', limit: '1' } },
      'StatelessWebApp \'test/web\': \'resources.cpu.request\' must be a Cpu (from cdk8s-plus), got "500m". Use Cpu.millis(500) or Cpu.units(1) (a string such as "500m" is not a Cpu).',
    ],
    [
      'plain-JS strings for memory',
      { memory: { request: '512Mi' } },
      'StatelessWebApp \'test/web\': \'resources.memory.request\' must be a Size (from cdk8s), got "512Mi". Use Size.mebibytes(512) or Size.gibibytes(1) (a string such as "512Mi" is not a Size).',
    ],
    [
      'cpu as a string',
      { cpu: '500m' },
      'StatelessWebApp \'test/web\': \'resources.cpu\' must be an object with request and/or limit, got "500m". Use { request: Cpu.millis(500), limit: Cpu.millis(1000) }.',
    ],
    [
      'resources as a string',
      '500m',
      'StatelessWebApp \'test/web\': \'resources\' must be an object with cpu and memory, got "500m". Pass e.g. { cpu: { request: Cpu.millis(500), limit: Cpu.millis(1000) }, memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) } }.',
    ],
  ];
  test.each(bad)('%s', (_name, resources, message) => {
    expect(() => build(resources)).toThrow(message);
    // a ValidationError, never a raw TypeError
    expect(() => build(resources)).not.toThrow(TypeError);
  });
});

describe('fix hints', () => {
  test('a URL as healthCheckPath: the hint is its path', () => {
    expect(() => new StatelessWebApp(newChart(), 'web', { name: 'web', image: IMAGE, healthCheckPath: 'http://localhost:8080/health' })).toThrow(
      'StatelessWebApp \'test/web\': \'healthCheckPath\' must start with "/", got "http://localhost:8080/health". Pass the path only, without scheme and host: "/health".',
    );
  });

  test('an upper-case name: the hint is the lower-case name, not a shorter one', () => {
    expect(() => new StatelessWebApp(newChart(), 'web', { name: 'RiderApi', image: IMAGE })).toThrow(
      'StatelessWebApp \'test/web\': \'name\' must be a DNS-1035 label of at most 47 characters (lower-case letters, digits and "-", starting with a letter; derived objects add up to 16 characters to it), got "RiderApi". Use lower case: "riderapi".',
    );
  });

  test('a long name: the hint says how long it is', () => {
    const name = 'a'.repeat(60);
    expect(() => new StatelessWebApp(newChart(), 'web', { name, image: IMAGE })).toThrow(
      `StatelessWebApp 'test/web': 'name' must be a DNS-1035 label of at most 47 characters (lower-case letters, digits and "-", starting with a letter; derived objects add up to 16 characters to it), got "${name}". Choose a shorter name (60 characters now), such as "rider-api".`,
    );
  });
});
