/** Schema fragments the built-in plugins share. */
export const REF_SCHEMA = {
  type: 'string',
  pattern: '^(event|profile|session|flow|node|nodes|payload)@',
  description: 'A reference such as profile@traits.email',
} as const

export const SEGMENT_SCHEMA = {
  type: 'string',
  minLength: 1,
  title: 'Segment',
  description: 'A segment name, or a {{ template }}',
} as const
