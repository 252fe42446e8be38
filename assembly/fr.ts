/** Placeholder: filled by the issue that builds this domain. */
export const frPlaceholder: i32 = 0;
