/** The reference hop: one nginx worker, proxy_pass to the upstream over kept-alive connections, Host passed on. */
export function nginxConfig(o: { dir: string; listenPort: number; upstreamPort: number }): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${o.dir}/nginx.pid;
error_log ${o.dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${o.dir}/body;
  proxy_temp_path ${o.dir}/proxy;
  upstream sandbox {
    server 127.0.0.1:${o.upstreamPort};
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${o.listenPort};
    location / {
      proxy_pass http://sandbox;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # The sandbox verifies the signature against the URL it sees, so it must see the host the client signed for.
      proxy_set_header Host $http_host;
    }
  }
}
`;
}
