// Placeholder until the page is written.
export default function Profile() {
  return <section class="page"><h1>Profile</h1></section>;
}
