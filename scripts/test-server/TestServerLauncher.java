import io.temporal.testserver.TestServer;
import java.lang.reflect.Field;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.concurrent.locks.Lock;

/**
 * Starts Temporal's time-skipping test server as its own main class does (arguments: {@code <port>
 * [--enable-time-skipping]}), then replaces the list in which its self-advancing timer logs time
 * locks with one that removes in constant time.
 *
 * <p>Why: the timer appends an event to that list for every lock and unlock, keeps the events of
 * locks taken and released by name (every workflow task and activity) for good, and removes a
 * lock held through a handle (every timer that fires, every state update) by scanning the list
 * from its oldest event. A rehearsal's cost thus grew with the square of its length: 73,000 events
 * eight minutes into a 1,000-branch rehearsal, with most of the server's CPU in that scan
 * (jstack). The replacement keeps every event in insertion order, so the server's diagnostics
 * read the same.
 */
public final class TestServerLauncher {
  /** A list that is only added to, removed from by identity, iterated and counted. */
  static final class IndexedEventLog extends LinkedList<Object> {
    private final LinkedHashSet<Object> events = new LinkedHashSet<>();

    @Override
    public boolean add(Object event) {
      events.add(event);
      return true;
    }

    @Override
    public boolean remove(Object event) {
      return events.remove(event);
    }

    @Override
    public Iterator<Object> iterator() {
      return events.iterator();
    }

    @Override
    public int size() {
      return events.size();
    }
  }

  private static Object field(Object owner, String name) throws ReflectiveOperationException {
    Field f = owner.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(owner);
  }

  /** Swaps the timer's lock log, under the timer's own lock, keeping what it already holds. */
  static void indexLockLog(TestServer.PortBoundTestServer server) throws ReflectiveOperationException {
    Object starter = field(server, "testServicesStarter");
    Object timer = field(starter, "selfAdvancingTimer");
    Lock lock = (Lock) field(timer, "lock");
    Field log = timer.getClass().getDeclaredField("lockEvents");
    log.setAccessible(true);
    lock.lock();
    try {
      IndexedEventLog indexed = new IndexedEventLog();
      for (Object event : (LinkedList<?>) log.get(timer)) indexed.add(event);
      log.set(timer, indexed);
    } finally {
      lock.unlock();
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 2 || (args.length == 2 && !args[1].equals("--enable-time-skipping"))) {
      System.err.println("usage: temporal-test-server <port> [--enable-time-skipping]");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    boolean timeSkipping = args.length == 2;
    TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port, !timeSkipping);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    try {
      indexLockLog(server);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Another version of the server, whose insides differ: refuse rather than run slowly
      // unnoticed; scripts/install-temporal.sh pins the version this launcher was written for.
      System.err.println("temporal-test-server: cannot index the timer's lock log of this server version: " + e);
      server.close();
      System.exit(1);
    }
    // A log line, so stderr: whoever starts the server (a rehearsal under `simulate --json`) owns stdout.
    System.err.println("temporal-test-server: listening on " + port + ", lock log indexed");
  }
}
