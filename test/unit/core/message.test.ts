import {
  buildSyncMessage,
  isMaskedValue,
  MalformedMessageError,
  parseSyncMessage,
  presentValue,
  SYNC_MESSAGE_VERSION,
} from '../../../src/core/message';

const valid = {
  v: 1,
  sourceRegion: 'us-east-1',
  sourcePoolId: 'us-east-1_AbCdEf123',
  username: 'alice',
  sub: '11111111-1111-4111-8111-111111111111',
  reason: 'PostConfirmation_ConfirmSignUp',
  at: '2026-01-02T03:04:05.678Z',
};

describe('buildSyncMessage / parseSyncMessage', () => {
  test('round trip', () => {
    const m = buildSyncMessage({
      sourceRegion: 'us-east-1',
      sourcePoolId: 'us-east-1_AbCdEf123',
      username: 'alice',
      reason: 'x',
      at: new Date(valid.at),
    });
    expect(m).toEqual({
      v: SYNC_MESSAGE_VERSION,
      sourceRegion: 'us-east-1',
      sourcePoolId: 'us-east-1_AbCdEf123',
      username: 'alice',
      reason: 'x',
      at: valid.at,
    });
    expect(parseSyncMessage(JSON.stringify(m))).toEqual(m);
  });

  test('at defaults to now', () => {
    const before = Date.now();
    const m = buildSyncMessage({ sourceRegion: 'r', sourcePoolId: 'us-east-1_A', sub: 's', reason: 'x' });
    expect(Date.parse(m.at)).toBeGreaterThanOrEqual(before);
    expect(() => parseSyncMessage(JSON.stringify(m))).not.toThrow();
  });

  test('a sub alone or a username alone is enough', () => {
    const { username: _u, ...bySub } = valid;
    const { sub: _s, ...byName } = valid;
    expect(parseSyncMessage(JSON.stringify(bySub)).sub).toBe(valid.sub);
    expect(parseSyncMessage(JSON.stringify(byName)).username).toBe('alice');
  });

  test('unknown fields are dropped, not trusted', () => {
    const parsed = parseSyncMessage(JSON.stringify({ ...valid, email: 'a@example.com', attributes: { x: 1 } }));
    expect(parsed).not.toHaveProperty('email');
    expect(parsed).not.toHaveProperty('attributes');
  });

  const { username: _u, sub: _s, ...neither } = valid;
  const malformed: [string, string, RegExp][] = [
    ['not JSON', 'hello', /not JSON/],
    ['empty body', '', /not JSON/],
    ['truncated JSON', JSON.stringify(valid).slice(0, 40), /not JSON/],
    ['JSON null', 'null', /v1 sync message/],
    ['JSON array', '[1,2]', /v1 sync message/],
    ['JSON string', '"hi"', /v1 sync message/],
    ['JSON number', '42', /v1 sync message/],
    ['empty object', '{}', /v: /],
    ['wrong version 2', JSON.stringify({ ...valid, v: 2 }), /v: /],
    ['version as a string', JSON.stringify({ ...valid, v: '1' }), /v: /],
    ['missing version', JSON.stringify({ ...valid, v: undefined }), /v: /],
    ['missing sourceRegion', JSON.stringify({ ...valid, sourceRegion: undefined }), /sourceRegion/],
    ['empty sourceRegion', JSON.stringify({ ...valid, sourceRegion: '' }), /sourceRegion/],
    ['missing sourcePoolId', JSON.stringify({ ...valid, sourcePoolId: undefined }), /sourcePoolId/],
    ['bad pool id', JSON.stringify({ ...valid, sourcePoolId: 'not a pool' }), /sourcePoolId/],
    ['pool id without underscore', JSON.stringify({ ...valid, sourcePoolId: 'useast1AbCdEf' }), /sourcePoolId/],
    ['oversized pool id', JSON.stringify({ ...valid, sourcePoolId: `us-east-1_${'A'.repeat(100)}` }), /sourcePoolId/],
    ['neither username nor sub', JSON.stringify(neither), /needs a username or a sub/],
    ['empty username and no sub', JSON.stringify({ ...neither, username: '' }), /username/],
    ['username a number', JSON.stringify({ ...valid, username: 123 }), /username/],
    ['oversized username', JSON.stringify({ ...valid, username: 'u'.repeat(129) }), /username/],
    ['oversized sub', JSON.stringify({ ...valid, sub: 's'.repeat(129) }), /sub/],
    ['oversized reason', JSON.stringify({ ...valid, reason: 'r'.repeat(129) }), /reason/],
    ['oversized region', JSON.stringify({ ...valid, sourceRegion: 'r'.repeat(65) }), /sourceRegion/],
    ['missing reason', JSON.stringify({ ...valid, reason: undefined }), /reason/],
    ['missing at', JSON.stringify({ ...valid, at: undefined }), /at: /],
    ['at not a date', JSON.stringify({ ...valid, at: 'yesterday' }), /at: /],
    ['at as epoch number', JSON.stringify({ ...valid, at: 1700000000000 }), /at: /],
    ['huge body', JSON.stringify({ ...valid, username: 'x'.repeat(256 * 1024) }), /username/],
  ];
  test.each(malformed)('malformed: %s', (_name, body, problem) => {
    let error: unknown;
    try {
      parseSyncMessage(body);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MalformedMessageError);
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).name).toBe('MalformedMessageError');
  });

  test('the error message never echoes field values', () => {
    try {
      parseSyncMessage(JSON.stringify({ ...valid, username: 'secret.person@example.com'.repeat(10) }));
      throw new Error('expected a failure');
    } catch (err) {
      expect((err as Error).message).not.toContain('secret.person@example.com');
    }
  });
});

describe('issue 10.6: hidden usernames in CloudTrail', () => {
  test.each(['HIDDEN_DUE_TO_SECURITY_REASONS', 'HIDDEN_FOR_SECURITY_REASONS', 'HIDDEN_ANY_OTHER_WORDING'])(
    'a username %s is absent; the sub locates the user',
    (masked) => {
      const m = parseSyncMessage(JSON.stringify({ ...valid, username: masked }));
      expect(m).not.toHaveProperty('username');
      expect(m.sub).toBe(valid.sub);
    },
  );

  test('a masked username and no sub locate nobody: malformed, with the reason', () => {
    const { sub: _s, ...byName } = valid;
    expect(() => parseSyncMessage(JSON.stringify({ ...byName, username: 'HIDDEN_FOR_SECURITY_REASONS' }))).toThrow(
      /needs a username or a sub/,
    );
  });

  test('isMaskedValue / presentValue', () => {
    expect(isMaskedValue('HIDDEN_FOR_SECURITY_REASONS')).toBe(true);
    expect(isMaskedValue('hidden_lowercase_is_a_name')).toBe(false);
    expect(presentValue('alice')).toBe('alice');
    for (const v of ['', ' ', null, undefined, 7, 'HIDDEN_DUE_TO_SECURITY_REASONS', '<username>'])
      expect(presentValue(v)).toBeUndefined();
  });
});
