//! A TCP proxy in front of PostgreSQL that a test can cut and restore, to play a database
//! outage without stopping the server other tests share.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards every connection made to `address` to `target`, until cut.
pub struct TcpProxy {
    pub address: SocketAddr,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl TcpProxy {
    /// Listens on a free local port and forwards to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Self {
            address: listener.local_addr().unwrap(),
            target,
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (target, tasks) = (self.target, Arc::clone(&self.tasks));
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let forward = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(forward);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// The outage: stops listening (new connections are refused) and drops every connection
    /// it carries, in the middle of whatever statement is running.
    pub fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// The database is back: listens again on the same address.
    pub async fn restore(&self) {
        let listener = TcpListener::bind(self.address).await.unwrap();
        self.serve(listener);
    }

    /// `url` (a `postgres://` URL) pointed at this proxy instead of its own host and port.
    pub fn url(&self, url: &str) -> String {
        let authority = url.find("://").map_or(0, |i| i + 3);
        let rest = &url[authority..];
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let host = &rest[..end];
        let userinfo = host.rfind('@').map_or(0, |i| i + 1);
        format!(
            "{}{}{}{}",
            &url[..authority],
            &host[..userinfo],
            self.address,
            &rest[end..]
        )
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_url_is_pointed_at_the_proxy() {
        let proxy = super::TcpProxy::start("127.0.0.1:5432".parse().unwrap()).await;
        let at = proxy.address;
        assert_eq!(
            proxy.url("postgres://postgres@127.0.0.1:5432/db?sslmode=disable"),
            format!("postgres://postgres@{at}/db?sslmode=disable")
        );
        assert_eq!(
            proxy.url("postgres://u:p@localhost/db"),
            format!("postgres://u:p@{at}/db")
        );
    }
}
