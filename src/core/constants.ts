/**
 * The suite's defaults, named once. Every Lambda configuration, CLI flag and local runtime takes
 * its default from here, so that a change of default is a change of one line.
 * @packageDocumentation
 */

/** Custom attribute of a replica holding the `sub` of the user it was copied from. */
export const DEFAULT_SOURCE_SUB_ATTRIBUTE = 'custom:source_sub';

/** Custom attribute of a replica recording the source user's MFA set-up (TOTP marker). */
export const DEFAULT_MFA_MARKER_ATTRIBUTE = 'custom:source_mfa';

/** Share of every Cognito quota left to the live application (quotas are per account and Region). */
export const DEFAULT_QUOTA_HEADROOM = 0.2;
