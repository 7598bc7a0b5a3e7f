// The emptiest Worker (bench measurement 8): workerd's own start-up and one trivial request, the
// baseline subtracted from a Worker's "instantiate + first request" CPU time.
export default {
  fetch() {
    return new Response('ok');
  },
};
