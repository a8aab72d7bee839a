/** Every activity retries with backoff, up to a minute apart, until its timeout: a mail server or database that is down for a while only delays the mail. */
export const ACTIVITY_RETRY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
} as const;
