/** Placeholder: filled by the issue that builds this domain. */
export const curvePlaceholder: i32 = 0;
