/**
 * AWS SDK v3 clients pointed at the local emulators (dummy credentials, loopback endpoints).
 * @packageDocumentation
 */
import {
  CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientConfig,
} from '@aws-sdk/client-cognito-identity-provider';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

/** The credentials every emulator accepts. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * A Cognito client for a local endpoint. One attempt per call by default, so a test sees each
 * injected fault as it is (the SDK would otherwise retry throttling and resets itself).
 */
export function localCognitoClient(
  endpoint: string,
  region = 'us-east-1',
  config: Partial<CognitoIdentityProviderClientConfig> = {},
): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    ...config,
  });
}

/** An SQS client for a local endpoint (one attempt per call by default). */
export function localSqsClient(
  endpoint: string,
  region = 'us-east-1',
  config: Partial<SQSClientConfig> = {},
): SQSClient {
  return new SQSClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts: 1, ...config });
}
