/**
 * Making and changing a cluster key without a dealer (issue 15): the DKG (GJKR 1999, "Secure
 * Distributed Key Generation for Discrete-Log Based Cryptosystems": joint-Feldman with complaints and
 * disqualification, ./dkg.ts) and resharing to a new operator set and threshold under the same group
 * key (Desmedt–Jajodia 1997; Wong–Wing–Wang 2002, ./reshare.ts), both one ceremony state machine
 * (./ceremony.ts) over Feldman VSS (./polynomial.ts) with signed messages (./messages.ts), run over
 * libp2p (./transport.ts, ./run.ts) and written all-or-nothing (./output.ts). ./definition.ts is the
 * public proposal; ./operator.ts one operator's side from files to files.
 */
export { Ceremony, CeremonyError, type CeremonyMode, type CeremonyOutcome, type CeremonySetup, type Disqualification, type Outgoing, type Party } from './ceremony.js';
export {
  createDefinition, DEFINITION_FILE, formatDefinition, parseDefinition, parseOperatorList, reshareProposalHash,
  type ClusterDefinitionFile, type ClusterProposal, type ProposedOperator, type ReshareProposal,
} from './definition.js';
export { dkgMode } from './dkg.js';
export { DKG_SIGNING_DOMAIN, MessageCodec, type CeremonyMessage, type Envelope, type SignedMessage, type TranscriptFile } from './messages.js';
export { runDkgCeremony, runReshareCeremony, type CeremonyRunOptions, type OperatorResult, type ReshareInput } from './operator.js';
export { archivedLockFileName, transcriptFileName, writeCeremonyOutput } from './output.js';
export { reshareMode, type PreviousKey } from './reshare.js';
export { DEFAULT_CEREMONY_TIMEOUT_MS, DEFAULT_DEALER_GRACE_MS, DEFAULT_PHASE_TIMEOUT_MS, runCeremony, type CeremonyPhase, type CeremonyResult } from './run.js';
export { createCeremonyTransport, DKG_PROTOCOL, type CeremonyTransport, type Participant } from './transport.js';
