import { FailureStreak } from '../../../src/core/failure-streak';

const error = (name: string) => Object.assign(new Error('x'), { name });

describe('FailureStreak', () => {
  test('ends the run at the limit of the same error in a row', () => {
    const s = new FailureStreak(3);
    expect(s.failed(error('AccessDeniedException'))).toBeUndefined();
    expect(s.failed(error('AccessDeniedException'))).toBeUndefined();
    expect(s.failed(error('AccessDeniedException'))).toEqual({ name: 'AccessDeniedException', count: 3 });
  });

  test('another error or a success starts the count again', () => {
    const s = new FailureStreak(2);
    s.failed(error('A'));
    expect(s.failed(error('B'))).toBeUndefined();
    s.succeeded();
    expect(s.failed(error('B'))).toBeUndefined();
    expect(s.failed(error('B'))).toEqual({ name: 'B', count: 2 });
  });
});
