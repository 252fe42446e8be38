/** Placeholder: filled by the issue that builds this domain. */
export const triePlaceholder: i32 = 0;
