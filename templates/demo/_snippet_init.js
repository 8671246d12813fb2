{# The snippet's inline script; the demo shop loads the same text from /demo/snippet.js, without the consent line (its banner sends consent). #}  datafly.init({writeKey: "{{ write_key|addslashes }}", host: "{{ host|addslashes }}"});
{% if not without_consent %}  // Events without analytics consent are suppressed, never sent on (the blueprint's default).
  // Call this once the visitor agrees (or remove the line if your consent tool sends it).
  datafly.consent({analytics: true});
{% endif %}  datafly.page();
