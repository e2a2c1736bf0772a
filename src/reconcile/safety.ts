/**
 * The deletion rules. Deleting a target user is the one irreversible thing the reconciler does,
 * so it happens only when every rule allows it:
 * 1. `--delete-orphans` was given, and the run applies (a dry run only reports);
 * 2. the target schema has the source-sub attribute (without it no replica can be told from a
 *    user who signed up in the target, so nothing is an orphan);
 * 3. the source listing looks complete: at least one source user, and at least `minSourceShare`
 *    (default 50%) as many source users as target users. A source listed while its Region is
 *    failing, or with the wrong pool id, lists few users; without this rule every replica would
 *    look orphaned;
 * 4. no per-user write failed in this run (failures can mean the target is misbehaving);
 * and then, per user: only target users that carry the source-sub attribute and that no source
 * user claims (never standby-only users); at most `--max-deletes` per run; and each one only after
 * a last ListUsers lookup of its source `sub` in the source pool finds nothing.
 */
export interface DeletionFacts {
  requested: boolean;
  apply: boolean;
  sourceUsers: number;
  targetUsers: number;
  minSourceShare: number;
  sourceSubAttributeInSchema: boolean;
  failed: number;
}

export interface DeletionDecision {
  allowed: boolean;
  /** Why nothing is deleted (absent when allowed). */
  reason?: string;
}

export function deletionDecision(f: DeletionFacts): DeletionDecision {
  if (!f.requested) return { allowed: false, reason: 'orphans are only reported (no --delete-orphans)' };
  if (!f.apply) return { allowed: false, reason: 'dry run: orphans are only reported (add --apply)' };
  if (!f.sourceSubAttributeInSchema)
    return {
      allowed: false,
      reason: 'the target pool has no source-sub attribute: orphans cannot be told from standby-only users',
    };
  if (f.sourceUsers === 0) return { allowed: false, reason: 'refused: the source listing is empty' };
  if (f.sourceUsers < f.minSourceShare * f.targetUsers) {
    return {
      allowed: false,
      reason: `refused: the source listing looks incomplete (${f.sourceUsers} source users, below ${Math.round(f.minSourceShare * 100)}% of the target's ${f.targetUsers})`,
    };
  }
  if (f.failed > 0) return { allowed: false, reason: `refused: ${f.failed} user(s) failed in this run` };
  return { allowed: true };
}
