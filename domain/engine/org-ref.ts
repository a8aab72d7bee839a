/**
 * An organisation stored in the ledger (ledger/org-versions.ts): its content hash, which is what
 * the activities read it by, and the campaign's version number, for people. Since v0.13.
 */
export interface OrgRef {
  hash: string;
  version: number;
}
