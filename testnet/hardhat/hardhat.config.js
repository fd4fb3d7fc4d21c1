// Hardhat's node as a local chain for the tests (testnet/hardhat-up starts it). Everything
// comes from the environment hardhat-up sets: chain id and block interval (0: a block per
// transaction, as anvil's default).
const interval = Number(process.env.HARDHAT_BLOCK_TIME || "0") * 1000;
export default {
  networks: {
    node: {
      type: "edr-simulated",
      chainId: Number(process.env.HARDHAT_CHAIN_ID || "31337"),
      mining: interval > 0 ? { auto: false, interval } : { auto: true, interval: 0 },
    },
  },
};
