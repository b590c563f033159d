// Placeholder until the page is written.
export default function Admin() {
  return <section class="page"><h1>Admin</h1></section>;
}
