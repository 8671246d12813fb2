{# The snippet's inline script; the demo shop loads the same text from /demo/snippet.js. #}  datafly.init({writeKey: "{{ write_key|addslashes }}", host: "{{ host|addslashes }}"});
  datafly.page();
