package io.opsagent.tck.model;

/**
 * One rule the model agent can be told to break ({@link ModelAgent#ModelAgent(Breakage)}), so
 * that the kit's self-test can show the rule's test catches an agent wrong in exactly that way.
 * Each constant names the rule it breaks and how.
 */
public enum Breakage {
  /** R1.1: sends a JSON object without {@code code} after every Handshake. */
  SENDS_FRAME_WITHOUT_CODE,
  /** R1.2: its Handshake carries no {@code instance_id}. */
  HANDSHAKE_WITHOUT_INSTANCE_ID,
  /** R1.3: after AppNotReady it never hand-shakes again. */
  IGNORES_APP_NOT_READY,
  /** R1.7: drops every WaitList. */
  IGNORES_WAIT_LIST,
  /** R1.8: accepts any certificate for any host name on {@code wss://}. */
  TRUSTS_ANY_CERTIFICATE,
  /** R2.1: runs the states of a recipe last to first. */
  RUNS_STATES_IN_REVERSE,
  /** R2.3: a successful round does not reset the backoff. */
  KEEPS_BACKOFF_AFTER_SUCCESS,
  /** R2.4: runs the {@code cmd} parameter of a comment state. */
  RUNS_COMMENT_STATES,
  /** R2.5: a wait state passes at once, released or not. */
  WAIT_DOES_NOT_HOLD,
  /** R2.5: a release counts only when the round is already held at that wait state. */
  FORGETS_EARLY_RELEASE,
  /** R2.5: a release lasts for one round only. */
  RELEASE_LASTS_ONE_ROUND,
  /** R2.5: a release for any recipe version releases the wait state. */
  RELEASE_IGNORES_VERSION,
  /** R2.6: a recipe that arrives during a backoff waits for the backoff's end. */
  NEW_RECIPE_WAITS_FOR_BACKOFF,
  /** R2.6: a recipe with the loaded version starts the round over. */
  RESTARTS_ON_SAME_VERSION,
  /** R2.6: a header-only recipe is ignored. */
  IGNORES_HEADER_ONLY_RECIPE,
  /** R2.6: an empty recipe is ignored; the old round goes on. */
  IGNORES_EMPTY_RECIPE,
  /** R2.7: an upgrade pending at a ceased round waits for a successful one. */
  NO_UPGRADE_WHEN_ROUND_CEASES,
  /** R2.7: an upgrade ordered between rounds waits for the next round's end. */
  DEFERS_UPGRADE_BETWEEN_ROUNDS,
  /** R2.8: waits twice the round interval between rounds. */
  WAITS_TWICE_THE_ROUND_INTERVAL,
  /** R3.1: its StateLogs lack {@code state_comment}. */
  STATELOG_WITHOUT_COMMENT,
  /** R3.3: a command succeeds whatever its exit status. */
  IGNORES_EXIT_STATUS,
  /** R3.5: a state of an unsupported module is reported as a success. */
  PASSES_UNSUPPORTED_MODULES,
  /** R4.1: never reconnects once a connection is lost. */
  NEVER_RECONNECTS,
  /** R4.2: reconnects at once, without backoff. */
  RECONNECTS_WITHOUT_BACKOFF,
  /** R4.3: no round starts while it is disconnected. */
  PAUSES_ROUNDS_WHILE_DISCONNECTED,
  /** R5.1: upgrades without the ordered url. */
  DROPS_UPGRADE_URL,
  /** R5.2: an AgentUpdate without a usable version still starts an upgrade. */
  UPGRADES_WITHOUT_VERSION,
  /** R5.4: installs a verified release but leaves {@code current} where it was. */
  INSTALLS_WITHOUT_SWITCHING,
  /** R5.4: installs a release whatever its signature says. */
  IGNORES_RELEASE_SIGNATURE,
  /** R5.4: writes {@code ..} and absolute entries where they point. */
  UNPACKS_ENTRIES_OUTSIDE_RELEASE,
  /**
   * R5.4: unpacks a release straight into its directory and switches to it, then verifies it; a
   * refused release is switched away from, but its directory stays.
   */
  SWITCHES_BEFORE_VERIFYING,
  /**
   * R5.4: its supervisor starts a release on probation that cannot start again and again, and
   * never goes back to the previous release.
   */
  NEVER_ROLLS_BACK,
  /**
   * R5.4: its supervisor falls back to the previous release when the one on probation cannot
   * start, but leaves {@code current} pointing at the failed release.
   */
  FALLS_BACK_WITHOUT_SWITCHING_CURRENT,
  /** R6.1: closes the connection on a malformed frame. */
  CLOSES_ON_MALFORMED_FRAME,
  /** R6.2: runs the valid states of a recipe that has invalid ones. */
  RUNS_VALID_PART_OF_INVALID_RECIPE,
  /** R6.3: drops a recipe with a field it does not know. */
  REJECTS_UNKNOWN_FIELDS
}
