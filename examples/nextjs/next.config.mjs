// No setting is needed for meingpt-wasm: the Node route reads its wasm through the package's `node`
// entry, the edge route gets it as a compiled module through the `edge-light` entry (`?module`).
/** @type {import('next').NextConfig} */
const nextConfig = {};
export default nextConfig;
