//! TLS to the master with rustls, in mysqld's three strengths: encrypt only (MASTER_SSL=1),
//! verify the CA chain (MASTER_SSL_CA), and also verify the host name
//! (MASTER_SSL_VERIFY_SERVER_CERT=1).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio_rustls::rustls::{DigitallySignedStruct, SignatureScheme};

use super::WireError;
use crate::config::SslConfig;

/// A TCP stream, before or after the TLS upgrade.
pub enum MaybeTls {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl MaybeTls {
    /// True after the TLS upgrade.
    pub fn is_tls(&self) -> bool {
        matches!(self, MaybeTls::Tls(_))
    }
}

impl AsyncRead for MaybeTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MaybeTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_flush(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Upgrades `tcp` to TLS as configured.
pub async fn connect(tcp: TcpStream, host: &str, ssl: &SslConfig) -> Result<MaybeTls, WireError> {
    let config = client_config(ssl)?;
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| WireError::Tls(format!("invalid server name {host:?}: {e}")))?;
    let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| WireError::Tls(format!("handshake with {host} failed: {e}")))?;
    Ok(MaybeTls::Tls(Box::new(stream)))
}

/// The endpoint's TLS acceptor from mysqld's `ssl-cert` and `ssl-key` (PEM files).
pub fn acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, WireError> {
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut &read_pem(cert)?[..])
        .collect::<Result<_, _>>()
        .map_err(|e| WireError::Tls(format!("{}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(WireError::Tls(format!(
            "{}: no certificate",
            cert.display()
        )));
    }
    let key_der: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut &read_pem(key)?[..])
        .map_err(|e| WireError::Tls(format!("{}: {e}", key.display())))?
        .ok_or_else(|| WireError::Tls(format!("{}: no private key", key.display())))?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| WireError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| WireError::Tls(format!("{} / {}: {e}", cert.display(), key.display())))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read_pem(path: &std::path::Path) -> Result<Vec<u8>, WireError> {
    std::fs::read(path).map_err(|e| WireError::Tls(format!("cannot read {}: {e}", path.display())))
}

fn client_config(ssl: &SslConfig) -> Result<rustls::ClientConfig, WireError> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| WireError::Tls(e.to_string()))?;
    let verifier: Arc<dyn ServerCertVerifier> = match &ssl.ca {
        None => Arc::new(NoVerify),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            let pem = read_pem(ca)?;
            for cert in rustls_pemfile::certs(&mut &pem[..]) {
                let cert = cert.map_err(|e| WireError::Tls(format!("{}: {e}", ca.display())))?;
                roots
                    .add(cert)
                    .map_err(|e| WireError::Tls(format!("{}: {e}", ca.display())))?;
            }
            let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                provider(),
            )
            .build()
            .map_err(|e| WireError::Tls(e.to_string()))?;
            Arc::new(CaVerifier {
                inner,
                check_name: ssl.verify_server_cert,
            })
        }
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match (&ssl.cert, &ssl.key) {
        (Some(cert), Some(key)) => {
            let certs: Vec<CertificateDer<'static>> =
                rustls_pemfile::certs(&mut &read_pem(cert)?[..])
                    .collect::<Result<_, _>>()
                    .map_err(|e| WireError::Tls(format!("{}: {e}", cert.display())))?;
            let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut &read_pem(key)?[..])
                .map_err(|e| WireError::Tls(format!("{}: {e}", key.display())))?
                .ok_or_else(|| WireError::Tls(format!("{}: no private key", key.display())))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| WireError::Tls(e.to_string()))
        }
        _ => Ok(builder.with_no_client_auth()),
    }
}

/// MASTER_SSL=1 without a CA: encrypt, trust any certificate (mysqld's REQUIRED mode).
#[derive(Debug)]
struct NoVerify;

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// MASTER_SSL_CA: the chain must lead to the CA; the host name is checked only with
/// MASTER_SSL_VERIFY_SERVER_CERT (mysqld's VERIFY_CA vs VERIFY_IDENTITY).
#[derive(Debug)]
struct CaVerifier {
    /// Full WebPKI verification.
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    /// Whether a name mismatch is an error.
    check_name: bool,
}

impl ServerCertVerifier for CaVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
