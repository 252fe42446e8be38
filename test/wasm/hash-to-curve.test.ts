/**
 * Hash-to-G2 in the WebAssembly core (src/wasm/hash-to-curve.ts, assembly/hash/), on both builds:
 * - expand_message_xmd against RFC 9380 Appendix K.1 (SHA-256, DST "QUUX-V01-CS02-with-expander-
 *   SHA256-128", and its 256-byte long-DST variant, which exercises the H2C-OVERSIZE-DST- rule);
 * - hash_to_curve against RFC 9380 Appendix J.10.1 (BLS12381G2_XMD:SHA-256_SSWU_RO_), and the
 *   published map_to_curve outputs Q0, Q1 of the same vectors through mapToG2;
 * - agreement with @noble/curves' bls12_381.G2.hashToCurve on random messages (Ethereum DST, other
 *   DSTs, DSTs of 255 and 300 bytes) and with bls12_381.G2.mapToCurve (including u = 0, the
 *   exceptional case of the simplified SWU map);
 * - against native blst: SecretKey.sign(msg) equals [sk]·hashToG2(msg) (the core's g2Msm);
 * - batches across the 1,024-message and 4 MiB limits, streamed messages, and every status code.
 * The vectors come from the IRTF draft repository's poc/vectors (cfrg/draft-irtf-cfrg-hash-to-curve,
 * the final draft that became RFC 9380): BLS12381G2_XMD:SHA-256_SSWU_RO_.json,
 * expand_message_xmd_SHA256_38.json and expand_message_xmd_SHA256_256.json.
 * noble's hashes (tens of ms each) are computed once and shared by both builds.
 */
import { describe, expect, it } from 'vitest';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { expand_message_xmd } from '@noble/curves/abstract/hash-to-curve.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { SecretKey } from '@chainsafe/blst';
import { coreFunction, loadWasmCore } from '../../src/wasm/core.js';
import { ETHEREUM_BLS_DST, hashToCurveApi } from '../../src/wasm/hash-to-curve.js';
import { curveApi } from '../../src/wasm/curve.js';

const { G2 } = bls12_381;
const { Fp2 } = bls12_381.fields;
const P = bls12_381.fields.Fp.ORDER;
const te = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const Q128 = 'q128_' + 'q'.repeat(128);
const A512 = 'a512_' + 'a'.repeat(512);

/** RFC 9380 K.1: [msg, len_in_bytes, uniform_bytes]. */
const EXPAND_DST = 'QUUX-V01-CS02-with-expander-SHA256-128';
const EXPAND_VECTORS: [string, number, string][] = [
  ['', 32, '68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235'],
  ['abc', 32, 'd8ccab23b5985ccea865c6c97b6e5b8350e794e603b4b97902f53a8a0d605615'],
  ['abcdef0123456789', 32, 'eff31487c770a893cfb36f912fbfcbff40d5661771ca4b2cb4eafe524333f5c1'],
  [Q128, 32, 'b23a1d2b4d97b2ef7785562a7e8bac7eed54ed6e97e29aa51bfe3f12ddad1ff9'],
  [A512, 32, '4623227bcc01293b8c130bf771da8c298dede7383243dc0993d2d94823958c4c'],
  ['', 128, 'af84c27ccfd45d41914fdff5df25293e221afc53d8ad2ac06d5e3e29485dadbee0d121587713a3e0dd4d5e69e93eb7cd4f5df4cd103e188cf60cb02edc3edf18eda8576c412b18ffb658e3dd6ec849469b979d444cf7b26911a08e63cf31f9dcc541708d3491184472c2c29bb749d4286b004ceb5ee6b9a7fa5b646c993f0ced'],
  ['abc', 128, 'abba86a6129e366fc877aab32fc4ffc70120d8996c88aee2fe4b32d6c7b6437a647e6c3163d40b76a73cf6a5674ef1d890f95b664ee0afa5359a5c4e07985635bbecbac65d747d3d2da7ec2b8221b17b0ca9dc8a1ac1c07ea6a1e60583e2cb00058e77b7b72a298425cd1b941ad4ec65e8afc50303a22c0f99b0509b4c895f40'],
  ['abcdef0123456789', 128, 'ef904a29bffc4cf9ee82832451c946ac3c8f8058ae97d8d629831a74c6572bd9ebd0df635cd1f208e2038e760c4994984ce73f0d55ea9f22af83ba4734569d4bc95e18350f740c07eef653cbb9f87910d833751825f0ebefa1abe5420bb52be14cf489b37fe1a72f7de2d10be453b2c9d9eb20c7e3f6edc5a60629178d9478df'],
  [Q128, 128, '80be107d0884f0d881bb460322f0443d38bd222db8bd0b0a5312a6fedb49c1bbd88fd75d8b9a09486c60123dfa1d73c1cc3169761b17476d3c6b7cbbd727acd0e2c942f4dd96ae3da5de368d26b32286e32de7e5a8cb2949f866a0b80c58116b29fa7fabb3ea7d520ee603e0c25bcaf0b9a5e92ec6a1fe4e0391d1cdbce8c68a'],
  [A512, 128, '546aff5444b5b79aa6148bd81728704c32decb73a3ba76e9e75885cad9def1d06d6792f8a7d12794e90efed817d96920d728896a4510864370c207f99bd4a608ea121700ef01ed879745ee3e4ceef777eda6d9e5e38b90c86ea6fb0b36504ba4a45d22e86f6db5dd43d98a294bebb9125d5b794e9d2a81181066eb954966a487'],
];
const EXPAND_LONG_DST = 'QUUX-V01-CS02-with-expander-SHA256-128-long-DST-' + '1'.repeat(208);
const EXPAND_LONG_VECTORS: [string, number, string][] = [
  ['', 32, 'e8dc0c8b686b7ef2074086fbdd2f30e3f8bfbd3bdf177f73f04b97ce618a3ed3'],
  ['abc', 32, '52dbf4f36cf560fca57dedec2ad924ee9c266341d8f3d6afe5171733b16bbb12'],
  ['abcdef0123456789', 32, '35387dcf22618f3728e6c686490f8b431f76550b0b2c61cbc1ce7001536f4521'],
  [Q128, 32, '01b637612bb18e840028be900a833a74414140dde0c4754c198532c3a0ba42bc'],
  [A512, 32, '20cce7033cabc5460743180be6fa8aac5a103f56d481cf369a8accc0c374431b'],
  ['', 128, '14604d85432c68b757e485c8894db3117992fc57e0e136f71ad987f789a0abc287c47876978e2388a02af86b1e8d1342e5ce4f7aaa07a87321e691f6fba7e0072eecc1218aebb89fb14a0662322d5edbd873f0eb35260145cd4e64f748c5dfe60567e126604bcab1a3ee2dc0778102ae8a5cfd1429ebc0fa6bf1a53c36f55dfc'],
  ['abc', 128, '1a30a5e36fbdb87077552b9d18b9f0aee16e80181d5b951d0471d55b66684914aef87dbb3626eaabf5ded8cd0686567e503853e5c84c259ba0efc37f71c839da2129fe81afdaec7fbdc0ccd4c794727a17c0d20ff0ea55e1389d6982d1241cb8d165762dbc39fb0cee4474d2cbbd468a835ae5b2f20e4f959f56ab24cd6fe267'],
  ['abcdef0123456789', 128, 'd2ecef3635d2397f34a9f86438d772db19ffe9924e28a1caf6f1c8f15603d4028f40891044e5c7e39ebb9b31339979ff33a4249206f67d4a1e7c765410bcd249ad78d407e303675918f20f26ce6d7027ed3774512ef5b00d816e51bfcc96c3539601fa48ef1c07e494bdc37054ba96ecb9dbd666417e3de289d4f424f502a982'],
  [Q128, 128, 'ed6e8c036df90111410431431a232d41a32c86e296c05d426e5f44e75b9a50d335b2412bc6c91e0a6dc131de09c43110d9180d0a70f0d6289cb4e43b05f7ee5e9b3f42a1fad0f31bac6a625b3b5c50e3a83316783b649e5ecc9d3b1d9471cb5024b7ccf40d41d1751a04ca0356548bc6e703fca02ab521b505e8e45600508d32'],
  [A512, 128, '78b53f2413f3c688f07732c10e5ced29a17c6a16f717179ffbe38d92d6c9ec296502eb9889af83a1928cd162e845b0d3c5424e83280fed3d10cffb2f8431f14e7a23f4c68819d40617589e4c41169d0b56e0e3535be1fd71fbb08bb70c5b5ffed953d6c14bf7618b35fc1f4c4b30538236b4b08c9fbf90462447a8ada60be495'],
];

type Fp2Hex = [c0: string, c1: string];
/** RFC 9380 J.10.1: coordinates as [c0, c1] hex. */
const H2C_DST = 'QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_';
const H2C_VECTORS: { msg: string; P: { x: Fp2Hex; y: Fp2Hex }; u: [Fp2Hex, Fp2Hex]; Q0: { x: Fp2Hex; y: Fp2Hex }; Q1: { x: Fp2Hex; y: Fp2Hex } }[] = [
  {
    msg: '',
    P: { x: ['0141ebfbdca40eb85b87142e130ab689c673cf60f1a3e98d69335266f30d9b8d4ac44c1038e9dcdd5393faf5c41fb78a', '05cb8437535e20ecffaef7752baddf98034139c38452458baeefab379ba13dff5bf5dd71b72418717047f5b0f37da03d'],
      y: ['0503921d7f6a12805e72940b963c0cf3471c7b2a524950ca195d11062ee75ec076daf2d4bc358c4b190c0c98064fdd92', '12424ac32561493f3fe3c260708a12b7c620e7be00099a974e259ddc7d1f6395c3c811cdd19f1e8dbf3e9ecfdcbab8d6'] },
    u: [['03dbc2cce174e91ba93cbb08f26b917f98194a2ea08d1cce75b2b9cc9f21689d80bd79b594a613d0a68eb807dfdc1cf8', '05a2acec64114845711a54199ea339abd125ba38253b70a92c876df10598bd1986b739cad67961eb94f7076511b3b39a'],
      ['02f99798e8a5acdeed60d7e18e9120521ba1f47ec090984662846bc825de191b5b7641148c0dbc237726a334473eee94', '145a81e418d4010cc027a68f14391b30074e89e60ee7a22f87217b2f6eb0c4b94c9115b436e6fa4607e95a98de30a435']],
    Q0: { x: ['019ad3fc9c72425a998d7ab1ea0e646a1f6093444fc6965f1cad5a3195a7b1e099c050d57f45e3fa191cc6d75ed7458c', '171c88b0b0efb5eb2b88913a9e74fe111a4f68867b59db252ce5868af4d1254bfab77ebde5d61cd1a86fb2fe4a5a1c1d'],
      y: ['0ba10604e62bdd9eeeb4156652066167b72c8d743b050fb4c1016c31b505129374f76e03fa127d6a156213576910fef3', '0eb22c7a543d3d376e9716a49b72e79a89c9bfe9feee8533ed931cbb5373dde1fbcd7411d8052e02693654f71e15410a'] },
    Q1: { x: ['113d2b9cd4bd98aee53470b27abc658d91b47a78a51584f3d4b950677cfb8a3e99c24222c406128c91296ef6b45608be', '13855912321c5cb793e9d1e88f6f8d342d49c0b0dbac613ee9e17e3c0b3c97dfbb5a49cc3fb45102fdbaf65e0efe2632'],
      y: ['0fd3def0b7574a1d801be44fde617162aa2e89da47f464317d9bb5abc3a7071763ce74180883ad7ad9a723a9afafcdca', '056f617902b3c0d0f78a9a8cbda43a26b65f602f8786540b9469b060db7b38417915b413ca65f875c130bebfaa59790c'] },
  },
  {
    msg: 'abc',
    P: { x: ['02c2d18e033b960562aae3cab37a27ce00d80ccd5ba4b7fe0e7a210245129dbec7780ccc7954725f4168aff2787776e6', '139cddbccdc5e91b9623efd38c49f81a6f83f175e80b06fc374de9eb4b41dfe4ca3a230ed250fbe3a2acf73a41177fd8'],
      y: ['1787327b68159716a37440985269cf584bcb1e621d3a7202be6ea05c4cfe244aeb197642555a0645fb87bf7466b2ba48', '00aa65dae3c8d732d10ecd2c50f8a1baf3001578f71c694e03866e9f3d49ac1e1ce70dd94a733534f106d4cec0eddd16'] },
    u: [['15f7c0aa8f6b296ab5ff9c2c7581ade64f4ee6f1bf18f55179ff44a2cf355fa53dd2a2158c5ecb17d7c52f63e7195771', '01c8067bf4c0ba709aa8b9abc3d1cef589a4758e09ef53732d670fd8739a7274e111ba2fcaa71b3d33df2a3a0c8529dd'],
      ['187111d5e088b6b9acfdfad078c4dacf72dcd17ca17c82be35e79f8c372a693f60a033b461d81b025864a0ad051a06e4', '08b852331c96ed983e497ebc6dee9b75e373d923b729194af8e72a051ea586f3538a6ebb1e80881a082fa2b24df9f566']],
    Q0: { x: ['12b2e525281b5f4d2276954e84ac4f42cf4e13b6ac4228624e17760faf94ce5706d53f0ca1952f1c5ef75239aeed55ad', '05d8a724db78e570e34100c0bc4a5fa84ad5839359b40398151f37cff5a51de945c563463c9efbdda569850ee5a53e77'],
      y: ['02eacdc556d0bdb5d18d22f23dcb086dd106cad713777c7e6407943edbe0b3d1efe391eedf11e977fac55f9b94f2489c', '04bbe48bfd5814648d0b9e30f0717b34015d45a861425fabc1ee06fdfce36384ae2c808185e693ae97dcde118f34de41'] },
    Q1: { x: ['19f18cc5ec0c2f055e47c802acc3b0e40c337256a208001dde14b25afced146f37ea3d3ce16834c78175b3ed61f3c537', '15b0dadc256a258b4c68ea43605dffa6d312eef215c19e6474b3e101d33b661dfee43b51abbf96fee68fc6043ac56a58'],
      y: ['05e47c1781286e61c7ade887512bd9c2cb9f640d3be9cf87ea0bad24bd0ebfe946497b48a581ab6c7d4ca74b5147287f', '19f98db2f4a1fcdf56a9ced7b320ea9deecf57c8e59236b0dc21f6ee7229aa9705ce9ac7fe7a31c72edca0d92370c096'] },
  },
  {
    msg: 'abcdef0123456789',
    P: { x: ['121982811d2491fde9ba7ed31ef9ca474f0e1501297f68c298e9f4c0028add35aea8bb83d53c08cfc007c1e005723cd0', '190d119345b94fbd15497bcba94ecf7db2cbfd1e1fe7da034d26cbba169fb3968288b3fafb265f9ebd380512a71c3f2c'],
      y: ['05571a0f8d3c08d094576981f4a3b8eda0a8e771fcdcc8ecceaf1356a6acf17574518acb506e435b639353c2e14827c8', '0bb5e7572275c567462d91807de765611490205a941a5a6af3b1691bfe596c31225d3aabdf15faff860cb4ef17c7c3be'] },
    u: [['0313d9325081b415bfd4e5364efaef392ecf69b087496973b229303e1816d2080971470f7da112c4eb43053130b785e1', '062f84cb21ed89406890c051a0e8b9cf6c575cf6e8e18ecf63ba86826b0ae02548d83b483b79e48512b82a6c0686df8f'],
      ['1739123845406baa7be5c5dc74492051b6d42504de008c635f3535bb831d478a341420e67dcc7b46b2e8cba5379cca97', '01897665d9cb5db16a27657760bbea7951f67ad68f8d55f7113f24ba6ddd82caef240a9bfa627972279974894701d975']],
    Q0: { x: ['0f48f1ea1318ddb713697708f7327781fb39718971d72a9245b9731faaca4dbaa7cca433d6c434a820c28b18e20ea208', '06051467c8f85da5ba2540974758f7a1e0239a5981de441fdd87680a995649c211054869c50edbac1f3a86c561ba3162'],
      y: ['168b3d6df80069dbbedb714d41b32961ad064c227355e1ce5fac8e105de5e49d77f0c64867f3834848f152497eb76333', '134e0e8331cee8cb12f9c2d0742714ed9eee78a84d634c9a95f6a7391b37125ed48bfc6e90bf3546e99930ff67cc97bc'] },
    Q1: { x: ['004fd03968cd1c99a0dd84551f44c206c84dcbdb78076c5bfee24e89a92c8508b52b88b68a92258403cbe1ea2da3495f', '1674338ea298281b636b2eb0fe593008d03171195fd6dcd4531e8a1ed1f02a72da238a17a635de307d7d24aa2d969a47'],
      y: ['0dc7fa13fff6b12558419e0a1e94bfc3cfaf67238009991c5f24ee94b632c3d09e27eca329989aee348a67b50d5e236c', '169585e164c131103d85324f2d7747b23b91d66ae5d947c449c8194a347969fc6bbd967729768da485ba71868df8aed2'] },
  },
  {
    msg: Q128,
    P: { x: ['19a84dd7248a1066f737cc34502ee5555bd3c19f2ecdb3c7d9e24dc65d4e25e50d83f0f77105e955d78f4762d33c17da', '0934aba516a52d8ae479939a91998299c76d39cc0c035cd18813bec433f587e2d7a4fef038260eef0cef4d02aae3eb91'],
      y: ['14f81cd421617428bc3b9fe25afbb751d934a00493524bc4e065635b0555084dd54679df1536101b2c979c0152d09192', '09bcccfa036b4847c9950780733633f13619994394c23ff0b32fa6b795844f4a0673e20282d07bc69641cee04f5e5662'] },
    u: [['025820cefc7d06fd38de7d8e370e0da8a52498be9b53cba9927b2ef5c6de1e12e12f188bbc7bc923864883c57e49e253', '034147b77ce337a52e5948f66db0bab47a8d038e712123bb381899b6ab5ad20f02805601e6104c29df18c254b8618c7b'],
      ['0930315cae1f9a6017c3f0c8f2314baa130e1cf13f6532bff0a8a1790cd70af918088c3db94bda214e896e1543629795', '10c4df2cacf67ea3cb3108b00d4cbd0b3968031ebc8eac4b1ebcefe84d6b715fde66bef0219951ece29d1facc8a520ef']],
    Q0: { x: ['09eccbc53df677f0e5814e3f86e41e146422834854a224bf5a83a50e4cc0a77bfc56718e8166ad180f53526ea9194b57', '0c3633943f91daee715277bd644fba585168a72f96ded64fc5a384cce4ec884a4c3c30f08e09cd2129335dc8f67840ec'],
      y: ['0eb6186a0457d5b12d132902d4468bfeb7315d83320b6c32f1c875f344efcba979952b4aa418589cb01af712f98cc555', '119e3cf167e69eb16c1c7830e8df88856d48be12e3ff0a40791a5cd2f7221311d4bf13b1847f371f467357b3f3c0b4c7'] },
    Q1: { x: ['0eb3aabc1ddfce17ff18455fcc7167d15ce6b60ddc9eb9b59f8d40ab49420d35558686293d046fc1e42f864b7f60e381', '198bdfb19d7441ebcca61e8ff774b29d17da16547d2c10c273227a635cacea3f16826322ae85717630f0867539b5ed8b'],
      y: ['0aaf1dee3adf3ed4c80e481c09b57ea4c705e1b8d25b897f0ceeec3990748716575f92abff22a1c8f4582aff7b872d52', '0d058d9061ed27d4259848a06c96c5ca68921a5d269b078650c882cb3c2bd424a8702b7a6ee4e0ead9982baf6843e924'] },
  },
  {
    msg: A512,
    P: { x: ['01a6ba2f9a11fa5598b2d8ace0fbe0a0eacb65deceb476fbbcb64fd24557c2f4b18ecfc5663e54ae16a84f5ab7f62534', '11fca2ff525572795a801eed17eb12785887c7b63fb77a42be46ce4a34131d71f7a73e95fee3f812aea3de78b4d01569'],
      y: ['0b6798718c8aed24bc19cb27f866f1c9effcdbf92397ad6448b5c9db90d2b9da6cbabf48adc1adf59a1a28344e79d57e', '03a47f8e6d1763ba0cad63d6114c0accbef65707825a511b251a660a9b3994249ae4e63fac38b23da0c398689ee2ab52'] },
    u: [['190b513da3e66fc9a3587b78c76d1d132b1152174d0b83e3c1114066392579a45824c5fa17649ab89299ddd4bda54935', '12ab625b0fe0ebd1367fe9fac57bb1168891846039b4216b9d94007b674de2d79126870e88aeef54b2ec717a887dcf39'],
      ['0e6a42010cf435fb5bacc156a585e1ea3294cc81d0ceb81924d95040298380b164f702275892cedd81b62de3aba3f6b5', '117d9a0defc57a33ed208428cb84e54c85a6840e7648480ae428838989d25d97a0af8e3255be62b25c2a85630d2dddd8']],
    Q0: { x: ['17cadf8d04a1a170f8347d42856526a24cc466cb2ddfd506cff01191666b7f944e31244d662c904de5440516a2b09004', '0d13ba91f2a8b0051cf3279ea0ee63a9f19bc9cb8bfcc7d78b3cbd8cc4fc43ba726774b28038213acf2b0095391c523e'],
      y: ['17ef19497d6d9246fa94d35575c0f8d06ee02f21a284dbeaa78768cb1e25abd564e3381de87bda26acd04f41181610c5', '12c3c913ba4ed03c24f0721a81a6be7430f2971ffca8fd1729aafe496bb725807531b44b34b59b3ae5495e5a2dcbd5c8'] },
    Q1: { x: ['16ec57b7fe04c71dfe34fb5ad84dbce5a2dbbd6ee085f1d8cd17f45e8868976fc3c51ad9eeda682c7869024d24579bfd', '13103f7aace1ae1420d208a537f7d3a9679c287208026e4e3439ab8cd534c12856284d95e27f5e1f33eec2ce656533b0'],
      y: ['0958b2c4c2c10fcef5a6c59b9e92c4a67b0fae3e2e0f1b6b5edad9c940b8f3524ba9ebbc3f2ceb3cfe377655b3163bd7', '0ccb594ed8bd14ca64ed9cb4e0aba221be540f25dd0d6ba15a4a4be5d67bcf35df7853b2d8dad3ba245f1ea3697f66aa'] },
  },
];

/** The ZCash/blst uncompressed encoding of an affine point given as hex [c0, c1] coordinates. */
const encode = (x: Fp2Hex, y: Fp2Hex) => [x[1], x[0], y[1], y[0]].map((h) => h.padStart(96, '0')).join('');
/** An Fp2 element as mapToG2 takes it: c1 ‖ c0, 48 bytes big-endian each. */
const fp2Bytes = (c0: bigint, c1: bigint) => Uint8Array.from(Buffer.from(c1.toString(16).padStart(96, '0') + c0.toString(16).padStart(96, '0'), 'hex'));
/** noble's clear_cofactor(map_to_curve(u)); its type says affine, but it returns a point. */
const nobleMap = (c0: bigint, c1: bigint) => (G2.mapToCurve([c0, c1]) as unknown as { toBytes(compressed: boolean): Uint8Array }).toBytes(false);
const nobleHash = (msg: Uint8Array, dst: Uint8Array | string = ETHEREUM_BLS_DST) => hex(G2.hashToCurve(msg, { DST: dst }).toBytes(false));

/** Deterministic pseudo-random bytes (xorshift32). */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed | 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

/** Random messages of 0..1,024 bytes (lengths spread, with the edge lengths), hashed by noble once. */
const RANDOM_LENGTHS = [0, 1, 31, 32, 33, 63, 64, 65, 100, 255, 256, 511, 512, 700, 1023, 1024, ...Array.from({ length: 14 }, (_, i) => (i * 7919 + 13) % 1025)];
let randomFixture: { messages: Uint8Array[]; expected: string[] } | undefined;
function randomMessages() {
  if (randomFixture === undefined) {
    const messages = RANDOM_LENGTHS.map((n, i) => bytes(n, 1000 + i));
    randomFixture = { messages, expected: messages.map((m) => nobleHash(m)) };
  }
  return randomFixture;
}
/** Messages totalling over 4 MiB, one over 4 MiB on its own (streamed), hashed by noble once. */
let largeFixture: { messages: Uint8Array[]; expected: string[] } | undefined;
function largeMessages() {
  if (largeFixture === undefined) {
    const MiB = 1 << 20;
    const messages = [bytes(3 * MiB, 1), bytes(2 * MiB, 2), bytes(10, 3), bytes(5 * MiB + 3, 4), bytes(0, 5), bytes(4 * MiB, 6)];
    largeFixture = { messages, expected: messages.map((m) => nobleHash(m)) };
  }
  return largeFixture;
}

describe.each(['release', 'debug'] as const)('hash to G2 (%s build)', (variant) => {
  const core = loadWasmCore(variant);
  const api = hashToCurveApi(core);
  const { g2Msm } = curveApi(core);

  it.each(EXPAND_VECTORS.map(([m, n, out]) => [m.slice(0, 8), n, m, out] as const))(
    'expand_message_xmd matches RFC 9380 K.1 (msg %s…, %i bytes)',
    (_, n, msg, expected) => {
      expect(hex(api.expandMessageXmd(te.encode(msg), te.encode(EXPAND_DST), n))).toBe(expected);
    },
  );

  it.each(EXPAND_LONG_VECTORS.map(([m, n, out]) => [m.slice(0, 8), n, m, out] as const))(
    'expand_message_xmd matches RFC 9380 K.1 with a 256-byte DST (H2C-OVERSIZE-DST-; msg %s…, %i bytes)',
    (_, n, msg, expected) => {
      expect(hex(api.expandMessageXmd(te.encode(msg), te.encode(EXPAND_LONG_DST), n))).toBe(expected);
    },
  );

  it('expand_message_xmd equals noble at the longest output (ell = 255) and odd lengths', () => {
    const msg = bytes(77, 9), dst = te.encode('DST-odd');
    for (const n of [1, 31, 33, 255, 8160]) {
      expect(hex(api.expandMessageXmd(msg, dst, n))).toBe(hex(expand_message_xmd(msg, dst, n, nobleSha256)));
    }
    expect(() => api.expandMessageXmd(msg, dst, 8161)).toThrow(/lenInBytes: expected an integer in 1\.\.8160, got number 8161/);
  });

  it.each(H2C_VECTORS.map((v) => [v.msg.slice(0, 8), v] as const))('hash_to_curve matches RFC 9380 J.10.1 (msg %s…)', (_, v) => {
    expect(hex(api.hashToG2(te.encode(v.msg), te.encode(H2C_DST)))).toBe(encode(v.P.x, v.P.y));
  });

  it.each(H2C_VECTORS.map((v) => [v.msg.slice(0, 8), v] as const))('map_to_curve of u0, u1 gives J.10.1\'s Q0, Q1 (msg %s…)', (_, v) => {
    for (const [u, Q] of [[v.u[0], v.Q0], [v.u[1], v.Q1]] as const) {
      const published = G2.Point.fromAffine({
        x: Fp2.fromBigTuple([BigInt('0x' + Q.x[0]), BigInt('0x' + Q.x[1])]),
        y: Fp2.fromBigTuple([BigInt('0x' + Q.y[0]), BigInt('0x' + Q.y[1])]),
      });
      const mapped = api.mapToG2(fp2Bytes(BigInt('0x' + u[0]), BigInt('0x' + u[1])));
      expect(hex(mapped)).toBe(hex(published.clearCofactor().toBytes(false)));
    }
  });

  it('equals noble on random messages of 0..1,024 bytes with the Ethereum DST', () => {
    const { messages, expected } = randomMessages();
    expect(messages.map((m) => hex(api.hashToG2(m)))).toEqual(expected);
    expect(api.hashToG2Batch(messages).map(hex)).toEqual(expected);
  });

  it('equals noble with other DSTs: 1 byte, 255 bytes, and 300 bytes (reduced by H2C-OVERSIZE-DST-)', () => {
    const msg = bytes(40, 77);
    for (const dst of [te.encode('X'), bytes(255, 3), bytes(300, 4)]) {
      expect(hex(api.hashToG2(msg, dst))).toBe(nobleHash(msg, dst));
    }
  });

  it('equals noble mapToCurve, including the exceptional u = 0 of the simplified SWU map', () => {
    const us: [bigint, bigint][] = [[0n, 0n], [1n, 0n], [0n, 1n], [P - 1n, 0n], [0n, P - 1n], [P - 1n, P - 1n], [2n, 3n]];
    for (let i = 0; i < 9; i++) {
      const r = bytes(96, 500 + i);
      us.push([BigInt('0x' + hex(r.subarray(0, 48))) % P, BigInt('0x' + hex(r.subarray(48))) % P]);
    }
    for (const [c0, c1] of us) {
      expect(hex(api.mapToG2(fp2Bytes(c0, c1))), `u = ${c0} + ${c1}·I`).toBe(hex(nobleMap(c0, c1)));
    }
  });

  it('maps elements two at a time in mapToG2Batch, also when only one of a pair is the exceptional u = 0', () => {
    const us: [bigint, bigint][] = [[0n, 0n], [5n, 7n], [11n, 0n], [0n, 0n], [3n, P - 2n]];
    const input = coreFunction(core, 'hashInputOffset')();
    const output = coreFunction(core, 'hashOutputOffset')();
    us.forEach(([c0, c1], i) => core.bytes().set(fp2Bytes(c0, c1), input + 96 * i));
    expect(coreFunction(core, 'mapToG2Batch')(us.length)).toBe(0);
    us.forEach(([c0, c1], i) => {
      expect(hex(core.view(output + 192 * i, 192)), `u = ${c0} + ${c1}·I`).toBe(hex(nobleMap(c0, c1)));
    });
  });

  it('agrees with native blst signatures: sign(sk, msg) = [sk]·hashToG2(msg)', () => {
    for (let k = 0; k < 3; k++) {
      const sk = SecretKey.fromKeygen(bytes(32, 40 + k));
      const msg = bytes(32 * k, 60 + k);
      const scalar = BigInt('0x' + hex(sk.toBytes()));
      expect(hex(g2Msm([api.hashToG2(msg)], [scalar]))).toBe(hex(sk.sign(msg).toBytes(false)));
    }
  });

  it('hashes batches over 1,024 messages in chunks, in order', () => {
    const messages = Array.from({ length: 1030 }, (_, i) => bytes(i % 50, 7000 + i));
    const out = api.hashToG2Batch(messages);
    expect(out).toHaveLength(1030);
    const { messages: random, expected } = randomMessages();
    for (const i of [0, 1, 255, 256, 257, 511, 1023, 1024, 1025, 1029]) {
      expect(hex(out[i]!), `message ${i}`).toBe(hex(api.hashToG2(messages[i]!)));
    }
    expect(new Set(out.map(hex)).size).toBe(1030 - 20); // lengths 0 repeat every 50: 21 empty messages, one distinct point
    expect(api.hashToG2Batch([random[3]!, random[4]!]).map(hex)).toEqual([expected[3], expected[4]]);
    expect(api.hashToG2Batch([])).toEqual([]);
  });

  it('hashes messages beyond the 4 MiB region: chunks by bytes, streams a message over 4 MiB', () => {
    const { messages, expected } = largeMessages();
    expect(api.hashToG2Batch(messages).map(hex)).toEqual(expected);
    expect(hex(api.hashToG2(messages[3]!))).toBe(expected[3]);
  });

  it('rejects bad arguments with clear errors', () => {
    expect(() => api.hashToG2(new Uint8Array(1), new Uint8Array(0))).toThrow(/hashToG2: dst: expected a non-empty domain separation tag, got 0 bytes/);
    expect(() => api.hashToG2('abc' as unknown as Uint8Array)).toThrow(/hashToG2: message: expected a Uint8Array/);
    expect(() => api.hashToG2Batch([new Uint8Array(1), 5 as unknown as Uint8Array])).toThrow(/hashToG2Batch: messages\[1\]: expected a Uint8Array/);
    expect(() => api.mapToG2(new Uint8Array(95))).toThrow(/mapToG2: u: expected 96 bytes, got 95/);
    expect(() => api.mapToG2(fp2Bytes(P, 0n))).toThrow(/not canonical/);
    expect(() => api.mapToG2(fp2Bytes(0n, P))).toThrow(/not canonical/);
  });

  it('returns the documented status codes from the core', () => {
    const fn = (name: string) => coreFunction(core, name);
    const capacity = fn('hashInputCapacity')();
    const maxMessages = fn('hashBatchMaxMessages')();
    expect(maxMessages).toBe(1024);
    expect(fn('hashDstCapacity')()).toBe(255);
    const view = new DataView(core.memory.buffer);
    const offsets = fn('hashBatchOffsetsOffset')(), lengths = fn('hashBatchLengthsOffset')();
    view.setUint32(offsets, 0, true);
    view.setUint32(lengths, 4, true);
    expect(fn('hashToG2Batch')(maxMessages + 1, 43)).toBe(-2);
    expect(fn('hashToG2Batch')(-1, 43)).toBe(-2);
    expect(fn('hashToG2Batch')(1, 0)).toBe(-4);
    expect(fn('hashToG2Batch')(1, 256)).toBe(-4);
    expect(fn('hashToG2Batch')(0, 1)).toBe(0);
    view.setUint32(offsets + 4, capacity - 3, true);
    view.setUint32(lengths + 4, 4, true);
    expect(fn('hashToG2Batch')(2, 43)).toBe(-3);
    expect(fn('hashFailedInput')()).toBe(1);
    expect(fn('expandMessageXmd')(0, 38, 0)).toBe(-5);
    expect(fn('expandMessageXmd')(0, 38, 8161)).toBe(-5);
    expect(fn('expandMessageXmd')(capacity + 1, 38, 32)).toBe(-1);
    expect(fn('expandMessageXmd')(0, 0, 32)).toBe(-4);
    expect(fn('hashToG2StreamFinish')(-1, 43)).toBe(-1);
    expect(fn('hashToG2StreamFinish')(0, 256)).toBe(-4);
    expect(fn('hashToG2StreamAbsorb')(capacity + 1)).toBe(-1);
    expect(fn('mapToG2Batch')(maxMessages + 1)).toBe(-2);
    const input = fn('hashInputOffset')();
    core.bytes().set(fp2Bytes(1n, 2n), input);
    core.bytes().set(fp2Bytes(P, 2n), input + 96);
    expect(fn('mapToG2Batch')(2)).toBe(-6);
    expect(fn('hashFailedInput')()).toBe(1);
  });
});
