/**
 * What the application and its administrators do to a Region's pool: sign-ups through the app
 * client (the confirmation code read from the emulator's outbox), admin confirmations and
 * creations, edits, group changes, disabling, MFA, deletions. Each keeps the population model
 * in step. Calls are signed as the operator (an IAM user, as CloudTrail would record an admin).
 * @packageDocumentation
 */
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminUpdateUserAttributesCommand,
  ConfirmSignUpCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { randomBytes } from 'node:crypto';
import type { CognitoShim } from '../../local/cognito-shim';
import type { DrillUser } from './population';
import type { Region } from './region';

/** Waits for sign-up codes in a Cognito emulator's outbox (shared by concurrent sign-ups). */
export class OutboxCodes {
  private readonly codes = new Map<string, string>();
  private readonly waiters = new Map<string, (code: string) => void>();
  private polling = false;

  constructor(private readonly shim: CognitoShim) {}

  /** The sign-up code sent to `username` (the stored username: the `sub` in an e-mail pool). */
  async codeFor(username: string, timeoutMs = 10_000): Promise<string> {
    const ready = this.codes.get(username);
    if (ready) {
      this.codes.delete(username);
      return ready;
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(username);
        reject(new Error(`no sign-up code in the outbox after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(username, (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      void this.poll();
    });
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      while (this.waiters.size > 0) {
        const entries = await this.shim.outbox({ clear: true }).catch(() => []);
        for (const e of entries) {
          if (e.kind !== 'signup' || !e.username || !e.code) continue;
          const waiter = this.waiters.get(e.username);
          if (waiter) {
            this.waiters.delete(e.username);
            waiter(e.code);
          } else this.codes.set(e.username, e.code);
        }
        if (this.waiters.size > 0) await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      this.polling = false;
    }
  }
}

/** A password the drill's users "chose" (never printed, never replicated). */
function userPassword(): string {
  return `Dr1ll-${randomBytes(9).toString('base64url')}!`;
}

export class RegionApp {
  private readonly codes: OutboxCodes;

  constructor(readonly region: Region) {
    this.codes = new OutboxCodes(region.cognito.shim);
  }

  private get poolId(): string {
    return this.region.pool.poolId;
  }

  private sub(user: DrillUser): string {
    const sub = user.subs[this.region.side];
    if (!sub) throw new Error(`user #${user.n} has no sub in the ${this.region.side} pool`);
    return sub;
  }

  /**
   * Self sign-up through the app client (with the user's phone when there is one). Before the
   * confirmation, as a sign-up flow with MFA and invitations would: the back office marks the
   * phone verified and turns SMS MFA on for MFA users, and puts invited users in their groups.
   */
  async signUp(user: DrillUser): Promise<void> {
    const attrs = [
      { Name: 'email', Value: user.email },
      { Name: 'custom:tier', Value: user.attributes['custom:tier'] },
      ...(user.phone ? [{ Name: 'phone_number', Value: user.phone }] : []),
    ];
    const r = await this.region.admin.send(
      new SignUpCommand({
        ClientId: this.region.pool.clientId,
        Username: user.email,
        Password: userPassword(),
        UserAttributes: attrs,
      }),
    );
    if (!r.UserSub) throw new Error('SignUp returned no UserSub');
    const sub = r.UserSub;
    user.subs[this.region.side] = sub;
    if (user.phone)
      await this.region.admin.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: this.poolId,
          Username: sub,
          UserAttributes: [{ Name: 'phone_number_verified', Value: 'true' }],
        }),
      );
    if (user.smsMfa) await this.setSmsMfa(user, true);
    for (const g of user.groups)
      await this.region.admin.send(
        new AdminAddUserToGroupCommand({ UserPoolId: this.poolId, Username: sub, GroupName: g }),
      );
  }

  /** ConfirmSignUp with the code from the outbox (fires the PostConfirmation trigger). */
  async confirm(user: DrillUser): Promise<void> {
    const sub = this.sub(user);
    const code = await this.codes.codeFor(sub);
    user.readyAt = Date.now();
    await this.region.admin.send(
      new ConfirmSignUpCommand({ ClientId: this.region.pool.clientId, Username: user.email, ConfirmationCode: code }),
    );
  }

  /** The back office verifies the address itself, then AdminConfirmSignUp (fires the trigger too). */
  async adminConfirm(user: DrillUser): Promise<void> {
    const sub = this.sub(user);
    await this.codes.codeFor(sub).catch(() => undefined); // the e-mailed code goes unused
    await this.region.admin.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: this.poolId,
        Username: sub,
        UserAttributes: [{ Name: 'email_verified', Value: 'true' }],
      }),
    );
    user.readyAt = Date.now();
    await this.region.admin.send(new AdminConfirmSignUpCommand({ UserPoolId: this.poolId, Username: user.email }));
  }

  /** AdminCreateUser, no invitation (FORCE_CHANGE_PASSWORD): fires no trigger. */
  async adminCreate(user: DrillUser): Promise<void> {
    user.readyAt = Date.now();
    const r = await this.region.admin.send(
      new AdminCreateUserCommand({
        UserPoolId: this.poolId,
        Username: user.email,
        MessageAction: 'SUPPRESS',
        UserAttributes: Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value })),
      }),
    );
    const sub = r.User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
    if (!sub) throw new Error('AdminCreateUser returned no sub');
    user.subs[this.region.side] = sub;
    if (user.smsMfa) await this.setSmsMfa(user, true);
    for (const g of user.groups)
      await this.region.admin.send(
        new AdminAddUserToGroupCommand({ UserPoolId: this.poolId, Username: sub, GroupName: g }),
      );
  }

  async updateAttributes(user: DrillUser, attributes: Record<string, string>): Promise<void> {
    await this.region.admin.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: this.poolId,
        Username: this.sub(user),
        UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
      }),
    );
    Object.assign(user.attributes, attributes);
  }

  async addToGroup(user: DrillUser, group: string): Promise<void> {
    await this.region.admin.send(
      new AdminAddUserToGroupCommand({ UserPoolId: this.poolId, Username: this.sub(user), GroupName: group }),
    );
    user.groups.add(group);
  }

  async removeFromGroup(user: DrillUser, group: string): Promise<void> {
    await this.region.admin.send(
      new AdminRemoveUserFromGroupCommand({ UserPoolId: this.poolId, Username: this.sub(user), GroupName: group }),
    );
    user.groups.delete(group);
  }

  async setEnabled(user: DrillUser, enabled: boolean): Promise<void> {
    const input = { UserPoolId: this.poolId, Username: this.sub(user) };
    await this.region.admin.send(enabled ? new AdminEnableUserCommand(input) : new AdminDisableUserCommand(input));
    user.enabled = enabled;
  }

  async setSmsMfa(user: DrillUser, on: boolean): Promise<void> {
    await this.region.admin.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: this.poolId,
        Username: this.sub(user),
        SMSMfaSettings: { Enabled: on, PreferredMfa: on },
      }),
    );
    user.smsMfa = on;
  }

  async delete(user: DrillUser): Promise<void> {
    await this.region.admin.send(new AdminDeleteUserCommand({ UserPoolId: this.poolId, Username: this.sub(user) }));
    user.deleted = true;
  }
}
