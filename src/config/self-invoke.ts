import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/**
 * How a long job's Lambda function starts its own next invocation (the scheduled reconcile, the
 * failover job): an asynchronous Invoke (`InvocationType: 'Event'`) of the function itself with
 * `payload`. Undefined when the function's name is not known (local runs, tests): the next
 * scheduled or operator-started invocation resumes the job instead. Kept apart from `wiring.ts`
 * so that the functions that never continue themselves do not bundle the Lambda client.
 */
export function selfInvoker<P>(
  functionName: string | undefined,
  region: string,
): ((payload: P) => Promise<void>) | undefined {
  if (!functionName) return undefined;
  const lambda = new LambdaClient({ region });
  return async (payload) => {
    await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
  };
}
