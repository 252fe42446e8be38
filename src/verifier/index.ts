/**
 * `dst-sequencer/verifier`: check that blocks are the DST cluster's without trusting the node that served them —
 * for a rollup's derivation pipeline, a bridge, a wallet or an explorer.
 *
 * The trust anchor is the cluster's chain id and group public key (`Trust`, from its cluster lock),
 * pinned by the caller. `verifySignedBlock` checks one block, `verifyChain` a range (linkage and every
 * signature in one batch), `DstFollower` follows a cluster over WebSocket and yields verified blocks
 * in order. Two signature backends, chosen automatically: native blst (Node) and pure WebAssembly
 * (everywhere, browsers included: call `initWasm(fetch(URL of dst.release.wasm))` first where there is
 * no file system). In Node, `verifyChain(blocks, trust, { workers: new VerifierWorkers() })` splits a
 * long range over worker threads (optional; loaded only when used, so browser bundles leave it out).
 *
 * It imports only src/wasm, src/chain, src/crypto's signing root and src/bytes — never the node, p2p or
 * api folders — so a rollup can embed it without the node's dependencies.
 */
export { assertTrust, type FailureReason, type SignedBlockData, type Trust, type VerifyResult } from './block.js';
export { signatureBackend, type BackendName, type SignatureBackend } from './backend.js';
export { verifyChain, verifySignedBlock, type ChainOptions, type ChainParent, type ChainResult, type VerifiedHeader, type VerifyOptions } from './verify.js';
export { VerifierWorkers } from './workers.js';
export { DstFollower, EquivocationError, FollowerError, type FollowerEvent, type FollowerOptions, type VerifiedBlock } from './follower.js';
export { httpCall, NodeAnswerError, RpcSocket, signedBlockFromJson } from './rpc.js';
export { initWasm } from '../wasm/core.js';
