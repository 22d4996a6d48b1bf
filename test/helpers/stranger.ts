// The stranger peer lives in src/sim/ (the adversarial simulation's attackers are built on it).
export { createStranger } from '../../src/sim/stranger.js'
