/** Types of snappyjs (it ships none): Snappy block format, returning the type it was given. */
declare module 'snappyjs' {
  function compress<T extends Uint8Array | ArrayBuffer>(input: T): T;
  function uncompress<T extends Uint8Array | ArrayBuffer>(input: T, maxLength?: number): T;
  const snappy: { compress: typeof compress; uncompress: typeof uncompress };
  export default snappy;
  export { compress, uncompress };
}
